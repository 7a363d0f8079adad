// The append-only audit log: one entry per successful change (who, when, from where, what, before and after), paging, export.

import { createHash } from 'node:crypto';
import { IdnodeError } from '../errors.js';
import type { AuditFilter, AuditRow, AuditRows } from '../store/audit.js';

/** Who changed something, and from where (the client address; '' for the CLI). */
export interface Actor {
  /** `account:<username>` for SNMS accounts, the identity `index:handle` for Handle clients, `cli` for the CLI. */
  readonly who: string;
  readonly from: string;
}

export interface AuditEntry {
  readonly actor: Actor;
  /** `<what>.<verb>`, e.g. `handle.create`, `template.update`, `prefix.approve`, `account.create`. */
  readonly action: string;
  /** Canonical key of the prefix the change concerns, or null. */
  readonly prefixKey: string | null;
  /** What was changed: a handle, `prefix/version` of a template, a prefix, `enterprise:<id>`, `account:<name>`. */
  readonly target: string;
  /** The thing before and after the change (null when it did not exist); stored as JSON, or as a digest when large. */
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditRecord {
  readonly id: number;
  /** ISO 8601 UTC. */
  readonly at: string;
  readonly actor: string;
  readonly client: string;
  readonly action: string;
  readonly prefix: string | null;
  readonly target: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly hash: string;
}

/** Larger snapshots are stored as `{"sha256","bytes"}` of their JSON: the log stays small and still proves the content. */
export const INLINE_LIMIT_BYTES = 4096;
const EXPORT_CHUNK = 500;

/** What the log keeps instead of a snapshot: the SHA-256 and length of its JSON. */
export interface Digest {
  readonly sha256: string;
  readonly bytes: number;
}

/**
 * The digest of a record's after-image: of its stored form (record-encoding.ts), which the write already holds — no
 * second serialisation per record. `of: "stored"` tells it from the digests of entries written before it (of the JSON).
 */
export function digestOfStored(stored: string): Digest & { readonly of: 'stored' } {
  return { sha256: createHash('sha256').update(stored, 'utf8').digest('hex'), bytes: Buffer.byteLength(stored), of: 'stored' };
}

function snapshot(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json);
  if (bytes <= INLINE_LIMIT_BYTES) return json;
  return JSON.stringify({ sha256: createHash('sha256').update(json, 'utf8').digest('hex'), bytes });
}

/** The chain link of an entry: sha256 over the previous entry's hash and this entry's fields. */
function chainHash(previous: string, row: Omit<AuditRow, 'id' | 'hash'>): string {
  const fields = [row.at, row.actor, row.client, row.action, row.prefixKey, row.target, row.before, row.after];
  return createHash('sha256').update(`${previous}\n${JSON.stringify(fields)}`, 'utf8').digest('hex');
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    client: row.client,
    action: row.action,
    prefix: row.prefixKey,
    target: row.target,
    before: row.before === null ? null : (JSON.parse(row.before) as unknown),
    after: row.after === null ? null : (JSON.parse(row.after) as unknown),
    hash: row.hash,
  };
}

export class AuditService {
  constructor(
    private readonly rows: AuditRows,
    private readonly nowMs: () => number,
  ) {}

  /** Appends one entry. Call inside the write transaction of the change, so the entry commits (or not) with it. */
  append(entry: AuditEntry): void {
    const row = {
      at: this.nowMs(),
      actor: entry.actor.who,
      client: entry.actor.from,
      action: entry.action,
      prefixKey: entry.prefixKey,
      target: entry.target,
      before: snapshot(entry.before),
      after: snapshot(entry.after),
    };
    this.rows.append({ ...row, hash: chainHash(this.rows.lastHash(), row) });
  }

  /** One page, newest first. `page` counts from 1; `pageSize` 1–100 (BAD_REQUEST otherwise). */
  page(filter: AuditFilter, page: number, pageSize: number): { records: AuditRecord[]; total: number } {
    if (!(page >= 1) || !(pageSize >= 1 && pageSize <= 100)) throw new IdnodeError('BAD_REQUEST', 'currentPage must be ≥ 1 and pageSize 1 to 100');
    const { rows, total } = this.rows.list(filter, pageSize, (page - 1) * pageSize);
    return { records: rows.map(toRecord), total };
  }

  /** Every matching entry, oldest first, as JSON lines (one per entry), read in keyset chunks so memory stays bounded. */
  async *export(filter: AuditFilter): AsyncGenerator<string> {
    let after = 0;
    for (;;) {
      const rows = this.rows.listAfter(filter, after, EXPORT_CHUNK);
      if (rows.length > 0) yield rows.map((row) => `${JSON.stringify(toRecord(row))}\n`).join('');
      const last = rows.at(-1);
      if (last === undefined || rows.length < EXPORT_CHUNK) return;
      after = last.id;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Walks the whole log and returns the id of the first entry whose hash does not follow from the ones before, or null. */
  verify(): number | null {
    let previous = '';
    let after = 0;
    const all: AuditFilter = { prefixKey: null, actor: null, fromMs: null, toMs: null };
    for (;;) {
      const rows = this.rows.listAfter(all, after, EXPORT_CHUNK);
      for (const row of rows) {
        if (chainHash(previous, row) !== row.hash) return row.id;
        previous = row.hash;
      }
      const last = rows.at(-1);
      if (last === undefined) return null;
      after = last.id;
    }
  }
}
