// SQLite failures translated into catalog codes, keeping the cause.

import test from 'ava';
import Database from 'better-sqlite3';
import { IdnodeError, type ErrorCode } from '../../src/errors.js';
import { translateSqliteError } from '../../src/store/sqlite-errors.js';
import { openTempStore, secondConnection } from './temp-store.js';

const CASES: [sqliteCode: string, expected: ErrorCode][] = [
  ['SQLITE_BUSY', 'STORE_BUSY'],
  ['SQLITE_BUSY_SNAPSHOT', 'STORE_BUSY'],
  ['SQLITE_LOCKED', 'STORE_BUSY'],
  ['SQLITE_FULL', 'STORE_FULL'],
  ['SQLITE_CONSTRAINT_UNIQUE', 'HANDLE_ALREADY_EXISTS'],
  ['SQLITE_CONSTRAINT_PRIMARYKEY', 'HANDLE_ALREADY_EXISTS'],
  ['SQLITE_IOERR_WRITE', 'STORE_UNAVAILABLE'],
  ['SQLITE_CORRUPT', 'STORE_UNAVAILABLE'],
  ['SQLITE_READONLY', 'STORE_UNAVAILABLE'],
  ['SQLITE_CANTOPEN', 'STORE_UNAVAILABLE'],
  ['SQLITE_CONSTRAINT_CHECK', 'INTERNAL'],
  ['SQLITE_ERROR', 'INTERNAL'],
];

for (const [sqliteCode, expected] of CASES) {
  test(`sqlite errors: ${sqliteCode} becomes ${expected}, keeping the cause`, (t) => {
    const original = new Database.SqliteError(`simulated ${sqliteCode}`, sqliteCode);
    const translated = translateSqliteError(original);
    t.true(translated instanceof IdnodeError);
    t.is(translated.code, expected);
    t.is(translated.cause, original);
  });
}

test('sqlite errors: an IdnodeError passes through unchanged', (t) => {
  const original = new IdnodeError('INVALID_VALUE');
  t.is(translateSqliteError(original), original);
});

test('sqlite errors: an error without a SQLite code becomes INTERNAL with the cause', (t) => {
  for (const original of [new Error('plain'), 'a string', null, { code: 42 }]) {
    const translated = translateSqliteError(original);
    t.is(translated.code, 'INTERNAL');
    t.is(translated.cause, original);
  }
});

test('sqlite errors: a real primary-key conflict from SQLite becomes HANDLE_ALREADY_EXISTS', (t) => {
  const { path } = openTempStore(t);
  const db = secondConnection(t, path);
  const insert = db.prepare(
    "INSERT INTO handles (prefix_key, suffix_key, spelling, record, created_at, updated_at) VALUES ('88.118.8', 'A', '88.118.8/a', '[0]', 0, 0)",
  );
  insert.run();
  // better-sqlite3's SqliteError is not a native Error for ava's t.throws, so catch it by hand.
  let error: unknown;
  try {
    insert.run();
  } catch (caught) {
    error = caught;
  }
  t.is((error as { code?: string } | undefined)?.code, 'SQLITE_CONSTRAINT_PRIMARYKEY');
  const translated = translateSqliteError(error);
  t.is(translated.code, 'HANDLE_ALREADY_EXISTS');
  t.is(translated.cause, error);
});
