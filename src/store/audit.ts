// SQL of the append-only audit log (schema/005-snms.sql): appending with the hash chain, paging, and reading in order.

import { UNANSWERED_MARK, type Statement } from './sql-connection.js';
import type { Store } from './store.js';

export interface AuditRow {
  readonly id: number;
  readonly at: number;
  readonly actor: string;
  readonly client: string;
  readonly action: string;
  readonly prefixKey: string | null;
  readonly target: string;
  readonly before: string | null;
  readonly after: string | null;
  readonly hash: string;
}

export interface AuditFilter {
  readonly prefixKey: string | null;
  readonly actor: string | null;
  readonly fromMs: number | null;
  readonly toMs: number | null;
}

const COLUMNS = 'id, at, actor, client, action, prefix_key AS prefixKey, target, before, after, hash';
const WHERE = `(CAST(@prefixKey AS TEXT) IS NULL OR prefix_key = @prefixKey) AND (CAST(@actor AS TEXT) IS NULL OR actor = @actor)
  AND (CAST(@fromMs AS BIGINT) IS NULL OR at >= @fromMs) AND (CAST(@toMs AS BIGINT) IS NULL OR at <= @toMs)`;

export class AuditRows {
  private readonly last: Statement<[], { hash: string }>;
  private readonly insert: Statement;
  private readonly page: Statement<[AuditFilter & { limit: number; offset: number }], AuditRow>;
  private readonly count: Statement<[AuditFilter], { count: number }>;
  private readonly after: Statement<[AuditFilter & { afterId: number; limit: number }], AuditRow>;

  constructor(private readonly store: Store) {
    this.last = store.prepare('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.insert = store.prepare(
      `${UNANSWERED_MARK}INSERT INTO audit_log (at, actor, client, action, prefix_key, target, before, after, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.page = store.prepare(`SELECT ${COLUMNS} FROM audit_log WHERE ${WHERE} ORDER BY id DESC LIMIT @limit OFFSET @offset`);
    this.count = store.prepare(`SELECT count(*) AS count FROM audit_log WHERE ${WHERE}`);
    this.after = store.prepare(`SELECT ${COLUMNS} FROM audit_log WHERE id > @afterId AND ${WHERE} ORDER BY id LIMIT @limit`);
  }

  /** The hash of the newest entry ('' when the log is empty), read inside the write that appends after it. */
  lastHash(): string {
    return this.last.get()?.hash ?? '';
  }

  /** Call inside a write. */
  append(row: Omit<AuditRow, 'id'>): void {
    const r = row;
    this.insert.run(r.at, r.actor, r.client, r.action, r.prefixKey, r.target, r.before, r.after, r.hash);
  }

  /** Newest first. */
  list(filter: AuditFilter, limit: number, offset: number): { rows: AuditRow[]; total: number } {
    const where = { prefixKey: filter.prefixKey, actor: filter.actor, fromMs: filter.fromMs, toMs: filter.toMs };
    return this.store.guard(() => ({ rows: this.page.all({ ...where, limit, offset }), total: this.count.get(where)?.count ?? 0 }));
  }

  /** Oldest first, after entry `afterId` (keyset paging for exports). */
  listAfter(filter: AuditFilter, afterId: number, limit: number): AuditRow[] {
    const where = { prefixKey: filter.prefixKey, actor: filter.actor, fromMs: filter.fromMs, toMs: filter.toMs };
    return this.store.guard(() => this.after.all({ ...where, afterId, limit }));
  }
}
