// The store's synchronous SQL connection on PostgreSQL: SQLite's statement text turned into PostgreSQL's once per
// statement, run as a named prepared statement through the blocking client, every write transaction serialised.

import { createHash } from 'node:crypto';
import { IdnodeError } from '../../errors.js';
import { UNANSWERED_MARK, type RunResult, type SqlConnection, type Statement, type TransactionFn } from '../sql-connection.js';
import type { SyncClient } from './sync-client.js';

/**
 * Every write transaction takes this transaction-scoped advisory lock first, so writes are serialised across every
 * process over the cluster as SQLite serialises them (BEGIN IMMEDIATE): the write commands read, check and write in
 * one transaction, and no other process's commit can slip between their check and their write.
 */
export const WRITE_LOCK = 0x69646e6f6477;

/**
 * A statement whose text starts with this comment may be answered by a read replica that has replayed everything this
 * process committed or heard of (read-replicas.ts): the registry's record and listing reads. SQLite ignores it.
 */
export const REPLICA_MARK = '/* replica */ ';

/** Transaction control as SQLite spells it, and what it is on the held connection. */
const CONTROL: Record<string, { op: 'begin' | 'end' | 'query'; text: string }> = {
  BEGIN: { op: 'begin', text: `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})` },
  'BEGIN IMMEDIATE': { op: 'begin', text: `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})` },
  // A read snapshot (SQLite: a transaction that only reads): no write lock, one view of the data throughout.
  'BEGIN DEFERRED': { op: 'begin', text: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
  COMMIT: { op: 'end', text: 'COMMIT' },
  ROLLBACK: { op: 'end', text: 'ROLLBACK' },
};

/**
 * SQLite's text as PostgreSQL's: `?` placeholders numbered ($1, $2 …, never inside a quoted string) and `@name` ones
 * numbered by name, `INSERT OR IGNORE` as `ON CONFLICT DO NOTHING`, `instr` as `strpos`, scalar `max`/`min` as
 * GREATEST/LEAST, LIKE as ILIKE (SQLite's ignores ASCII case), `LIMIT -1` as `LIMIT ALL`, camelCase aliases quoted
 * (PostgreSQL folds unquoted names to lower case), and an INSERT into a table with an identity column returning it
 * (better-sqlite3's lastInsertRowid). The rest of idnode's SQL is written to mean the same on both.
 */
export function postgresText(sql: string, identities: Readonly<Record<string, string>>): { text: string; names: string[] } {
  let text = '';
  let n = 0;
  let quoted = false;
  const names: string[] = [];
  for (let i = 0; i < sql.length; i += 1) {
    const char = sql.charAt(i);
    if (char === "'") quoted = !quoted;
    const named = !quoted && char === '@' ? /^@([A-Za-z_]\w*)/.exec(sql.slice(i)) : null;
    if (named !== null) {
      // better-sqlite3's named parameters (`@id`, bound from one object): numbered in order of first use.
      const name = named[1] ?? '';
      if (!names.includes(name)) names.push(name);
      text += `$${names.indexOf(name) + 1}`;
      i += name.length;
    } else if (char === '?' && !quoted) {
      n += 1;
      text += `$${n}`;
    } else {
      text += char;
    }
  }
  text = scalarExtremes(text.replace(/\binstr\(/g, 'strpos('));
  // PostgreSQL folds unquoted names to lower case: a camelCase column alias keeps its case only quoted.
  text = text.replace(/\bAS\s+([A-Za-z_]\w*)/g, (match: string, name: string) => (/[a-z]/.test(name) && /[A-Z]/.test(name) ? `AS "${name}"` : match));
  // SQLite's LIKE ignores the case of ASCII letters; PostgreSQL's ILIKE ignores case.
  text = text.replace(/\bLIKE\b/g, 'ILIKE');
  // SQLite's LIMIT -1 is "no limit".
  text = text.replace(/\bLIMIT\s+-1\b/gi, 'LIMIT ALL');
  if (/^\s*INSERT OR IGNORE INTO/i.test(text)) text = `${text.replace(/^\s*INSERT OR IGNORE INTO/i, 'INSERT INTO')} ON CONFLICT DO NOTHING`;
  const insert = /^\s*INSERT INTO\s+("?)(\w+)\1/i.exec(text);
  const identity = insert === null ? undefined : identities[insert[2] ?? ''];
  if (identity !== undefined && !/\bRETURNING\b/i.test(text)) text = `${text} RETURNING ${identity}`;
  return { text, names };
}

/** SQLite's scalar `max(a, b)` and `min(a, b)` (more than one argument) as GREATEST and LEAST; aggregates stay. */
function scalarExtremes(text: string): string {
  return text.replace(/\b(max|min)\(/gi, (match: string, name: string, at: number) => {
    let depth = 0;
    for (let i = at + match.length - 1; i < text.length; i += 1) {
      const char = text[i];
      if (char === '(') depth += 1;
      else if (char === ')') depth -= 1;
      if (depth === 0) break;
      if (depth === 1 && char === ',') return name.toLowerCase() === 'max' ? 'GREATEST(' : 'LEAST(';
    }
    return match;
  });
}

class PgStatement<P extends unknown[], R> implements Statement<P, R> {
  private plucked = false;
  private readonly name: string;
  private readonly control: { op: 'begin' | 'end' | 'query'; text: string } | undefined;

  constructor(
    private readonly client: SyncClient,
    private readonly text: string,
    /** The named parameters in $-number order, when the statement is bound from one object. */
    private readonly names: readonly string[],
    sqliteText: string,
  ) {
    this.control = CONTROL[sqliteText.trim().toUpperCase()];
    this.replica = sqliteText.startsWith(REPLICA_MARK);
    this.unanswered = sqliteText.startsWith(UNANSWERED_MARK);
    this.name = `idnode_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  }

  private rows(given: P): Record<string, unknown>[] {
    const bound = given[0];
    const params = this.names.length > 0 && typeof bound === 'object' && bound !== null ? this.names.map((name) => (bound as Record<string, unknown>)[name]) : given;
    if (this.control !== undefined) {
      if (this.control.op === 'query') return this.client.call({ op: 'query', text: this.control.text, values: [] }).rows;
      return this.client.call({ op: this.control.op, text: this.control.text }).rows;
    }
    if (this.unanswered && this.client.inTransaction) {
      this.client.post({ op: 'query', text: this.text, name: this.name, values: params });
      this.lastCount = 0;
      return [];
    }
    if (params.length === 0 && /^\s*(SAVEPOINT|RELEASE)\b/i.test(this.text)) {
      // Setting or releasing a savepoint answers nothing the caller uses: it is sent without waiting (the thread runs
      // requests in order). Should it fail — only on a lost connection — the next statement fails for it.
      this.client.post({ op: 'query', text: this.text, values: [] });
      this.lastCount = 0;
      return [];
    }
    // ROLLBACK TO goes unnamed too (nothing to prepare), but its failure matters to the caller: it waits.
    const reply = params.length === 0 && /^\s*ROLLBACK TO\b/i.test(this.text)
      ? this.client.call({ op: 'query', text: this.text, values: [] })
      : this.client.call({ op: 'query', text: this.text, name: this.name, values: params, ...(this.replica ? { replica: true } : {}) });
    this.lastCount = reply.rowCount;
    return reply.rows;
  }

  private lastCount = 0;
  /** Marked replica-eligible (REPLICA_MARK): outside a transaction it may be read from a caught-up replica. */
  private readonly replica: boolean;
  /**
   * Marked UNANSWERED_MARK (sql-connection.ts): sent without waiting inside a transaction. Should it fail, the
   * transaction is aborted and its COMMIT refused (sync-worker.ts): nothing of it is acknowledged.
   */
  private readonly unanswered: boolean;

  private shape(row: Record<string, unknown>): R {
    if (!this.plucked) return row as R;
    for (const key in row) return row[key] as R;
    return undefined as R;
  }

  get(...params: P): R | undefined {
    const row = this.rows(params)[0];
    return row === undefined ? undefined : this.shape(row);
  }

  all(...params: P): R[] {
    return this.rows(params).map((row) => this.shape(row));
  }

  run(...params: P): RunResult {
    const rows = this.rows(params);
    const first = rows[0];
    let id = 0;
    if (first !== undefined) for (const key in first) id = Number(first[key]);
    return { changes: this.lastCount, lastInsertRowid: id };
  }

  iterate(...params: P): IterableIterator<R> {
    return this.all(...params).values();
  }

  pluck(toggle = true): this {
    this.plucked = toggle;
    return this;
  }
}

export class PgConnection implements SqlConnection {
  private closed = false;

  constructor(
    private readonly client: SyncClient,
    private readonly identities: Readonly<Record<string, string>>,
  ) {}

  get open(): boolean {
    return !this.closed;
  }

  get inTransaction(): boolean {
    return this.client.inTransaction;
  }

  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    if (/^\s*PRAGMA\b/i.test(sql)) throw new IdnodeError('INTERNAL', `a SQLite pragma on PostgreSQL: ${sql}`);
    const { text, names } = postgresText(sql, this.identities);
    return new PgStatement<P, R>(this.client, text, names, sql);
  }

  /** Statements without parameters, several at once (PostgreSQL's simple query protocol: nothing is prepared). */
  exec(sql: string): this {
    const control = CONTROL[sql.trim().toUpperCase()];
    if (control !== undefined) this.prepare(sql).run();
    else this.client.call({ op: 'query', text: postgresText(sql, this.identities).text, values: [] });
    return this;
  }

  transaction<T>(fn: () => T): TransactionFn<T> {
    const run = (): T => {
      if (this.inTransaction) throw new IdnodeError('INTERNAL', 'a transaction inside a transaction');
      this.exec('BEGIN');
      let result: T;
      try {
        result = fn();
      } catch (error) {
        if (this.inTransaction) this.exec('ROLLBACK');
        throw error;
      }
      this.exec('COMMIT');
      return result;
    };
    return Object.assign(run, { immediate: run });
  }

  /** A commit made by another connection of this process, or by another process: replicas must replay past it. */
  noteCommits(): void {
    this.client.post({ op: 'commits' });
  }

  /** Replica-eligible reads so far, and how many a replica served. */
  replicaCounts(): { replica: number; primary: number } {
    const row = this.client.call({ op: 'stats' }).rows[0] as { replica?: number; primary?: number } | undefined;
    return { replica: row?.replica ?? 0, primary: row?.primary ?? 0 };
  }

  close(): this {
    if (!this.closed) this.client.close();
    this.closed = true;
    return this;
  }
}
