// SQLite's statement text as PostgreSQL runs it (pg-connection.ts postgresText): each rule on a statement of idnode's.

import test from 'ava';
import { postgresText } from '../../../src/store/postgres/pg-connection.js';

const IDENTITIES = { accounts: 'id', outbox: 'id' };
const pg = (sql: string): string => postgresText(sql, IDENTITIES).text;

test('pg text: ? placeholders are numbered in order, never inside a quoted string', (t) => {
  t.is(pg("SELECT a FROM t WHERE b = ? AND c = '?' AND d = ?"), "SELECT a FROM t WHERE b = $1 AND c = '?' AND d = $2");
});

test('pg text: @name placeholders are numbered by first use, and bound from one object in that order', (t) => {
  const { text, names } = postgresText('SELECT * FROM audit_log WHERE (CAST(@actor AS TEXT) IS NULL OR actor = @actor) LIMIT @limit', IDENTITIES);
  t.is(text, 'SELECT * FROM audit_log WHERE (CAST($1 AS TEXT) IS NULL OR actor = $1) LIMIT $2');
  t.deepEqual(names, ['actor', 'limit']);
});

test('pg text: camelCase aliases are quoted, type names and lower-case aliases are not', (t) => {
  t.is(pg('SELECT prefix_key AS prefixKey, CAST(x AS TEXT) AS n FROM t'), 'SELECT prefix_key AS "prefixKey", CAST(x AS TEXT) AS n FROM t');
});

test('pg text: scalar max/min become GREATEST/LEAST; aggregates stay', (t) => {
  t.is(pg('UPDATE n SET seen = max(coalesce(seen, 0), ?) WHERE k = ?'), 'UPDATE n SET seen = GREATEST(coalesce(seen, 0), $1) WHERE k = $2');
  t.is(pg('SELECT max(seq) AS seq, min(id) FROM t'), 'SELECT max(seq) AS seq, min(id) FROM t');
});

test('pg text: INSERT OR IGNORE, instr, LIKE and LIMIT -1 as PostgreSQL says them', (t) => {
  t.is(pg('INSERT OR IGNORE INTO s (a) VALUES (?)'), 'INSERT INTO s (a) VALUES ($1) ON CONFLICT DO NOTHING');
  t.is(pg('SELECT 1 FROM h WHERE instr(record, ?) > 0'), 'SELECT 1 FROM h WHERE strpos(record, $1) > 0');
  t.is(pg("SELECT 1 FROM e WHERE name LIKE ? ESCAPE '\\'"), "SELECT 1 FROM e WHERE name ILIKE $1 ESCAPE '\\'");
  t.is(pg('SELECT t FROM k ORDER BY i DESC LIMIT -1 OFFSET ?'), 'SELECT t FROM k ORDER BY i DESC LIMIT ALL OFFSET $1');
});

test('pg text: an INSERT into a table with an identity column returns it (lastInsertRowid); others and RETURNING stay', (t) => {
  t.is(pg('INSERT INTO accounts (name) VALUES (?)'), 'INSERT INTO accounts (name) VALUES ($1) RETURNING id');
  t.is(pg('INSERT INTO settings (name) VALUES (?)'), 'INSERT INTO settings (name) VALUES ($1)');
  t.is(pg('INSERT INTO outbox (kind) VALUES (?) RETURNING kind'), 'INSERT INTO outbox (kind) VALUES ($1) RETURNING kind');
});
