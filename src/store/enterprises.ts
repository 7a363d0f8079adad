// SQL of enterprises and the prefixes they apply for (schema/005-snms.sql).

import type { Statement } from './sql-connection.js';
import type { Store } from './store.js';

export interface EnterpriseRow {
  readonly id: number;
  readonly orgName: string;
  readonly orgCrtType: string;
  readonly orgCrtCode: string;
  readonly identityHandle: string | null;
  readonly basicInfo: string;
  readonly registerInfo: string;
  readonly hostingInfo: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface PrefixRow {
  readonly id: number;
  readonly enterpriseId: number;
  readonly prefix: string;
  readonly prefixKey: string;
  readonly state: number;
  readonly proxyState: number;
  readonly reason: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A prefix with the name of its enterprise, for listings. */
export interface ListedPrefixRow extends PrefixRow {
  readonly orgName: string;
}

export interface EnterpriseFilter {
  /** Substring of the organisation name (LIKE pattern already escaped), or null. */
  readonly nameLike: string | null;
  readonly fromMs: number | null;
  readonly toMs: number | null;
  /** Only this enterprise (an enterprise user's view), or null for all. */
  readonly enterpriseId: number | null;
}

export interface PrefixFilter extends EnterpriseFilter {
  /** Substring of the canonical prefix (LIKE pattern already escaped), or null. */
  readonly prefixLike: string | null;
}

const ENTERPRISE = `id, org_name AS orgName, org_crt_type AS orgCrtType, org_crt_code AS orgCrtCode, identity_handle AS identityHandle,
  basic_info AS basicInfo, register_info AS registerInfo, hosting_info AS hostingInfo, created_at AS createdAt, updated_at AS updatedAt`;
const PREFIX = `p.id AS id, p.enterprise_id AS enterpriseId, p.prefix AS prefix, p.prefix_key AS prefixKey, p.state AS state,
  p.proxy_state AS proxyState, p.reason AS reason, p.created_at AS createdAt, p.updated_at AS updatedAt`;
const ENTERPRISE_WHERE = `(CAST(@nameLike AS TEXT) IS NULL OR org_name LIKE @nameLike ESCAPE '\\') AND (CAST(@fromMs AS BIGINT) IS NULL OR created_at >= @fromMs)
  AND (CAST(@toMs AS BIGINT) IS NULL OR created_at <= @toMs) AND (CAST(@enterpriseId AS BIGINT) IS NULL OR id = @enterpriseId)`;
const PREFIX_WHERE = `(CAST(@nameLike AS TEXT) IS NULL OR e.org_name LIKE @nameLike ESCAPE '\\') AND (CAST(@fromMs AS BIGINT) IS NULL OR p.created_at >= @fromMs)
  AND (CAST(@toMs AS BIGINT) IS NULL OR p.created_at <= @toMs) AND (CAST(@enterpriseId AS BIGINT) IS NULL OR p.enterprise_id = @enterpriseId)
  AND (CAST(@prefixLike AS TEXT) IS NULL OR p.prefix_key LIKE @prefixLike ESCAPE '\\')`;

type Window = { readonly limit: number; readonly offset: number };

export class EnterpriseRows {
  private readonly byId: Statement<[number], EnterpriseRow>;
  private readonly byCredential: Statement<[string, string], EnterpriseRow>;
  private readonly insert: Statement;
  private readonly update: Statement;
  private readonly setIdentity: Statement;
  private readonly page: Statement<[EnterpriseFilter & Window], EnterpriseRow>;
  private readonly count: Statement<[EnterpriseFilter], { count: number }>;
  private readonly prefixByKey: Statement<[string], ListedPrefixRow>;
  private readonly prefixesOf: Statement<[number], PrefixRow>;
  private readonly insertPrefix: Statement;
  private readonly updatePrefixState: Statement;
  private readonly updateProxyState: Statement;
  private readonly countActive: Statement<[number], { count: number }>;
  private readonly prefixPage: Statement<[PrefixFilter & Window], ListedPrefixRow>;
  private readonly prefixCount: Statement<[PrefixFilter], { count: number }>;
  private readonly stopped: Statement<[], { prefixKey: string }>;
  private readonly stoppedOne: Statement<[string], { one: number }>;

  constructor(private readonly store: Store) {
    this.byId = store.prepare(`SELECT ${ENTERPRISE} FROM enterprises WHERE id = ?`);
    this.byCredential = store.prepare(`SELECT ${ENTERPRISE} FROM enterprises WHERE org_crt_type = ? AND org_crt_code = ?`);
    this.insert = store.prepare(
      `INSERT INTO enterprises (org_name, org_crt_type, org_crt_code, basic_info, register_info, hosting_info, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.update = store.prepare(
      `UPDATE enterprises SET org_name = ?, org_crt_type = ?, org_crt_code = ?, basic_info = ?, register_info = ?, hosting_info = ?, updated_at = ?
       WHERE id = ?`,
    );
    this.setIdentity = store.prepare('UPDATE enterprises SET identity_handle = ? WHERE id = ? AND identity_handle IS NULL');
    this.page = store.prepare(`SELECT ${ENTERPRISE} FROM enterprises WHERE ${ENTERPRISE_WHERE} ORDER BY id DESC LIMIT @limit OFFSET @offset`);
    this.count = store.prepare(`SELECT count(*) AS count FROM enterprises WHERE ${ENTERPRISE_WHERE}`);
    this.prefixByKey = store.prepare(`SELECT ${PREFIX}, e.org_name AS orgName FROM enterprise_prefixes p JOIN enterprises e ON e.id = p.enterprise_id WHERE p.prefix_key = ?`);
    this.prefixesOf = store.prepare(`SELECT ${PREFIX} FROM enterprise_prefixes p WHERE p.enterprise_id = ? ORDER BY p.id`);
    this.insertPrefix = store.prepare(
      'INSERT INTO enterprise_prefixes (enterprise_id, prefix, prefix_key, state, proxy_state, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)',
    );
    this.updatePrefixState = store.prepare('UPDATE enterprise_prefixes SET state = ?, reason = ?, updated_at = ? WHERE prefix_key = ?');
    this.updateProxyState = store.prepare('UPDATE enterprise_prefixes SET proxy_state = ?, updated_at = ? WHERE prefix_key = ?');
    this.countActive = store.prepare('SELECT count(*) AS count FROM enterprise_prefixes WHERE enterprise_id = ? AND state <> 3');
    this.prefixPage = store.prepare(
      `SELECT ${PREFIX}, e.org_name AS orgName FROM enterprise_prefixes p JOIN enterprises e ON e.id = p.enterprise_id
       WHERE ${PREFIX_WHERE} ORDER BY p.id DESC LIMIT @limit OFFSET @offset`,
    );
    this.prefixCount = store.prepare(`SELECT count(*) AS count FROM enterprise_prefixes p JOIN enterprises e ON e.id = p.enterprise_id WHERE ${PREFIX_WHERE}`);
    this.stopped = store.prepare('SELECT prefix_key AS prefixKey FROM enterprise_prefixes WHERE state IN (0, 2)');
    this.stoppedOne = store.prepare('SELECT 1 AS one FROM enterprise_prefixes WHERE prefix_key = ? AND state IN (0, 2)');
  }

  get(id: number): EnterpriseRow | undefined {
    return this.store.guard(() => this.byId.get(id));
  }

  findByCredential(orgCrtType: string, orgCrtCode: string): EnterpriseRow | undefined {
    return this.store.guard(() => this.byCredential.get(orgCrtType, orgCrtCode));
  }

  /** Call inside a write; returns the new id. */
  add(row: Omit<EnterpriseRow, 'id' | 'identityHandle' | 'updatedAt'>): number {
    const r = row;
    return Number(this.insert.run(r.orgName, r.orgCrtType, r.orgCrtCode, r.basicInfo, r.registerInfo, r.hostingInfo, r.createdAt, r.createdAt).lastInsertRowid);
  }

  /** Call inside a write. */
  replace(row: Omit<EnterpriseRow, 'identityHandle' | 'createdAt'>): void {
    const r = row;
    this.update.run(r.orgName, r.orgCrtType, r.orgCrtCode, r.basicInfo, r.registerInfo, r.hostingInfo, r.updatedAt, r.id);
  }

  /** Sets the enterprise's identity handle the first time; later calls change nothing. Call inside a write. */
  assignIdentity(id: number, handle: string): void {
    this.setIdentity.run(handle, id);
  }

  list(filter: EnterpriseFilter, limit: number, offset: number): { rows: EnterpriseRow[]; total: number } {
    const where = { nameLike: filter.nameLike, fromMs: filter.fromMs, toMs: filter.toMs, enterpriseId: filter.enterpriseId };
    return this.store.guard(() => ({ rows: this.page.all({ ...where, limit, offset }), total: this.count.get(where)?.count ?? 0 }));
  }

  prefix(prefixKey: string): ListedPrefixRow | undefined {
    return this.store.guard(() => this.prefixByKey.get(prefixKey));
  }

  prefixes(enterpriseId: number): PrefixRow[] {
    return this.store.guard(() => this.prefixesOf.all(enterpriseId));
  }

  /** Prefixes of the enterprise that count against its quota (every state but rejected). */
  activePrefixCount(enterpriseId: number): number {
    return this.store.guard(() => this.countActive.get(enterpriseId)?.count ?? 0);
  }

  /** Call inside a write. */
  addPrefix(enterpriseId: number, prefix: string, prefixKey: string, state: number, nowMs: number): void {
    this.insertPrefix.run(enterpriseId, prefix, prefixKey, state, nowMs, nowMs);
  }

  /** Call inside a write. */
  setState(prefixKey: string, state: number, reason: string | null, nowMs: number): void {
    this.updatePrefixState.run(state, reason, nowMs, prefixKey);
  }

  /** Call inside a write. */
  setProxyState(prefixKey: string, proxyState: number, nowMs: number): void {
    this.updateProxyState.run(proxyState, nowMs, prefixKey);
  }

  listPrefixes(filter: PrefixFilter, limit: number, offset: number): { rows: ListedPrefixRow[]; total: number } {
    const where = { nameLike: filter.nameLike, fromMs: filter.fromMs, toMs: filter.toMs, enterpriseId: filter.enterpriseId, prefixLike: filter.prefixLike };
    return this.store.guard(() => ({ rows: this.prefixPage.all({ ...where, limit, offset }), total: this.prefixCount.get(where)?.count ?? 0 }));
  }

  /** Canonical keys of the prefixes whose identifiers must not resolve or register: disabled (0) or pending deletion (2). */
  stoppedPrefixKeys(): string[] {
    return this.store.guard(() => this.stopped.all().map((row) => row.prefixKey));
  }

  /** Whether one prefix is stopped (see stoppedPrefixKeys): what a write checks inside its transaction. */
  isStopped(prefixKey: string): boolean {
    return this.store.guard(() => this.stoppedOne.get(prefixKey) !== undefined);
  }
}
