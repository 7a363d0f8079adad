// Tests of one engine's own behaviour (a SQLite file's path, sessions kept per process): skipped on the other pass.

import test, { type Implementation } from 'ava';

type TestFn = (title: string, fn: Implementation<[]>) => void;
import { onPostgres } from './on-postgres.js';

/** `test` on the SQLite pass; on the PostgreSQL pass skipped, the reason in the title. */
export const sqliteOnlyTest: TestFn = onPostgres ? (title, fn) => test.skip(`${title} — SQLite only`, fn) : (title, fn) => test(title, fn);

/** `test` on the PostgreSQL pass; skipped on the SQLite pass. */
export const postgresOnlyTest: TestFn = onPostgres ? (title, fn) => test(title, fn) : (title, fn) => test.skip(`${title} — PostgreSQL pass only`, fn);
