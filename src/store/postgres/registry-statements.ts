// The registry's SQL on PostgreSQL, each a named statement: node-postgres prepares it once per connection, then reuses it.

/** A named statement; its name is its identity on every connection, so it never changes meaning. */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** The same queries as src/store/store.ts prepares, in PostgreSQL's parameter syntax; keys compare as COLLATE "C". */
export const STATEMENTS = {
  getRecord: { name: 'idnode_get_record', text: 'SELECT spelling, record FROM handles WHERE prefix_key = $1 AND suffix_key = $2' },
  getRecordText: { name: 'idnode_get_record_text', text: 'SELECT record FROM handles WHERE prefix_key = $1 AND suffix_key = $2' },
  listPage: { name: 'idnode_list_page', text: 'SELECT suffix_key, spelling FROM handles WHERE prefix_key = $1 ORDER BY suffix_key LIMIT $2 OFFSET $3' },
  listAfter: {
    name: 'idnode_list_after',
    text: 'SELECT suffix_key, spelling FROM handles WHERE prefix_key = $1 AND suffix_key > $2 ORDER BY suffix_key LIMIT $3',
  },
  countHandles: { name: 'idnode_count_handles', text: 'SELECT count FROM handle_counts WHERE prefix_key = $1' },
  homedPrefix: { name: 'idnode_homed_prefix', text: 'SELECT prefix FROM prefixes WHERE prefix_key = $1' },
  listPrefixes: { name: 'idnode_list_prefixes', text: 'SELECT prefix FROM prefixes ORDER BY prefix_key LIMIT $1 OFFSET $2' },
  countPrefixes: { name: 'idnode_count_prefixes', text: 'SELECT count(*) AS count FROM prefixes' },
  insert: {
    name: 'idnode_insert_record',
    text: 'INSERT INTO handles (prefix_key, suffix_key, spelling, record, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
  },
  update: { name: 'idnode_update_record', text: 'UPDATE handles SET record = $1, updated_at = $2 WHERE prefix_key = $3 AND suffix_key = $4' },
  delete: { name: 'idnode_delete_record', text: 'DELETE FROM handles WHERE prefix_key = $1 AND suffix_key = $2' },
  home: { name: 'idnode_home_prefix', text: 'INSERT INTO prefixes (prefix_key, prefix, homed_at) VALUES ($1, $2, $3) ON CONFLICT (prefix_key) DO NOTHING' },
  unhome: { name: 'idnode_unhome_prefix', text: 'DELETE FROM prefixes WHERE prefix_key = $1' },
  // The usage counters of one day and prefix, summed over a batch (SQLite counts per write; the totals are the same).
  countWrites: {
    name: 'idnode_count_writes',
    text: `INSERT INTO daily_counts (day, prefix_key, created, updated, deleted) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (day, prefix_key) DO UPDATE SET created = daily_counts.created + excluded.created,
             updated = daily_counts.updated + excluded.updated, deleted = daily_counts.deleted + excluded.deleted`,
  },
  notify: { name: 'idnode_notify', text: 'SELECT pg_notify($1, $2)' },
  reportOffset: { name: 'idnode_report_offset', text: "SELECT value FROM settings WHERE name = 'report_utc_offset_seconds'" },
} as const satisfies Record<string, NamedStatement>;
