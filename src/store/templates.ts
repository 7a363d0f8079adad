// SQL of data templates (schema/005-snms.sql): one row per prefix and version, the template itself as JSON.

import type { Statement } from './sql-connection.js';
import type { Store } from './store.js';

export interface TemplateRow {
  readonly id: number;
  readonly prefix: string;
  readonly prefixKey: string;
  readonly version: string;
  readonly body: string;
  readonly revision: number;
  readonly usedBy: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

const COLUMNS = `id, prefix, prefix_key AS prefixKey, version, body, revision, used_by AS usedBy, created_at AS createdAt, updated_at AS updatedAt`;

export class TemplateRows {
  private readonly byKey: Statement<[string, string], TemplateRow>;
  private readonly revisionByKey: Statement<[string, string], { id: number; revision: number }>;
  private readonly page: Statement<[string, number, number], TemplateRow>;
  private readonly count: Statement<[string], { count: number }>;
  private readonly insert: Statement;
  private readonly update: Statement;
  private readonly remove: Statement;
  private readonly use: Statement;

  constructor(private readonly store: Store) {
    this.byKey = store.prepare(`SELECT ${COLUMNS} FROM templates WHERE prefix_key = ? AND version = ?`);
    this.revisionByKey = store.prepare('SELECT id, revision FROM templates WHERE prefix_key = ? AND version = ?');
    this.page = store.prepare(`SELECT ${COLUMNS} FROM templates WHERE prefix_key = ? ORDER BY id LIMIT ? OFFSET ?`);
    this.count = store.prepare('SELECT count(*) AS count FROM templates WHERE prefix_key = ?');
    this.insert = store.prepare('INSERT INTO templates (prefix, prefix_key, version, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.update = store.prepare('UPDATE templates SET body = ?, revision = revision + 1, updated_at = ? WHERE id = ?');
    this.remove = store.prepare('DELETE FROM templates WHERE id = ?');
    this.use = store.prepare('UPDATE templates SET used_by = max(used_by + ?, 0) WHERE prefix_key = ? AND version = ?');
  }

  find(prefixKey: string, version: string): TemplateRow | undefined {
    return this.store.guard(() => this.byKey.get(prefixKey, version));
  }

  /** The id and revision of a template, without its body (asked on every record written against it). */
  revision(prefixKey: string, version: string): { id: number; revision: number } | undefined {
    return this.store.guard(() => this.revisionByKey.get(prefixKey, version));
  }

  list(prefixKey: string, limit: number, offset: number): { rows: TemplateRow[]; total: number } {
    return this.store.guard(() => ({ rows: this.page.all(prefixKey, limit, offset), total: this.count.get(prefixKey)?.count ?? 0 }));
  }

  /** Call inside a write; returns the new id. */
  add(prefix: string, prefixKey: string, version: string, body: string, nowMs: number): number {
    return Number(this.insert.run(prefix, prefixKey, version, body, nowMs, nowMs).lastInsertRowid);
  }

  /** Call inside a write. */
  replace(id: number, body: string, nowMs: number): void {
    this.update.run(body, nowMs, id);
  }

  /** Call inside a write. */
  delete(id: number): void {
    this.remove.run(id);
  }

  /** `delta` more (or fewer) records name the version; a version without a template changes nothing. Call inside a write. */
  countUse(prefixKey: string, version: string, delta: number): void {
    this.use.run(delta, prefixKey, version);
  }
}
