// Translates better-sqlite3 errors into catalog codes, keeping the original as `cause`.

import { IdnodeError } from '../errors.js';

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** Maps a SQLite failure to STORE_BUSY, STORE_FULL, STORE_UNAVAILABLE, HANDLE_ALREADY_EXISTS or INTERNAL. */
export function translateSqliteError(error: unknown): IdnodeError {
  if (error instanceof IdnodeError) return error;
  const code = sqliteCode(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new IdnodeError('STORE_BUSY', undefined, { cause: error });
  if (code === 'SQLITE_FULL') return new IdnodeError('STORE_FULL', undefined, { cause: error });
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new IdnodeError('HANDLE_ALREADY_EXISTS', undefined, { cause: error });
  }
  if (/^SQLITE_(IOERR|CORRUPT|CANTOPEN|READONLY|NOTADB|PROTOCOL|NOMEM)/.test(code)) {
    return new IdnodeError('STORE_UNAVAILABLE', undefined, { cause: error });
  }
  return new IdnodeError('INTERNAL', undefined, { cause: error });
}
