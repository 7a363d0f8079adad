// SQL of the quota counters that survive restarts (schema/005-snms.sql).

import type { Statement } from './sql-connection.js';
import type { Store } from './store.js';

export class QuotaRows {
  private readonly select: Statement<[number], { subject: string; count: number }>;
  private readonly selectOne: Statement<[string, number], { count: number }>;
  private readonly upsert: Statement<[string, number, number], { count: number }>;
  private readonly prune: Statement;

  constructor(private readonly store: Store) {
    this.select = store.prepare('SELECT subject, count FROM quota_counters WHERE day = ?');
    this.selectOne = store.prepare('SELECT count FROM quota_counters WHERE subject = ? AND day = ?');
    this.upsert = store.prepare(
      'INSERT INTO quota_counters (subject, day, count) VALUES (?, ?, ?) ON CONFLICT (subject, day) DO UPDATE SET count = quota_counters.count + excluded.count RETURNING count',
    );
    this.prune = store.prepare('DELETE FROM quota_counters WHERE day < ?');
  }

  /** Every subject's count on `day`. */
  day(day: number): Map<string, number> {
    return this.store.guard(() => new Map(this.select.all(day).map((row) => [row.subject, row.count])));
  }

  /** One subject's count on `day` (0 when none was saved). */
  count(subject: string, day: number): number {
    return this.store.guard(() => this.selectOne.get(subject, day)?.count ?? 0);
  }

  /**
   * Adds requests counted since the last save to the counts of `day` and drops days before `keepFrom`, in its own
   * transaction; returns each subject's new total (every process over the store adds its own: IDNODE_WORKERS).
   */
  add(day: number, increments: readonly (readonly [string, number])[], keepFrom: number): [string, number][] {
    return this.store.writeNow(() => this.addInWrite(day, increments, keepFrom));
  }

  /** As add, inside a write (the command `quotas.save` on the writer thread). */
  addInWrite(day: number, increments: readonly (readonly [string, number])[], keepFrom: number): [string, number][] {
    const totals = increments.map(([subject, increment]): [string, number] => [subject, this.upsert.get(subject, day, increment)?.count ?? increment]);
    this.prune.run(keepFrom);
    return totals;
  }
}
