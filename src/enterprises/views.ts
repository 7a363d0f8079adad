// What the SNMS API shows of enterprises and prefixes (snms-v5-api.md §6.1, §6.2, §7): pages, detail, prefix query.

import type { Caller } from '../accounts/account-service.js';
import { IdnodeError } from '../errors.js';
import { asciiUpper, prefixKeyOf } from '../identifier/handle.js';
import { shanghaiTime } from '../snms/time.js';
import type { EnterpriseRow, ListedPrefixRow } from '../store/enterprises.js';
import type { EnterpriseDeps } from './applications.js';
import type { Json } from './enterprise-model.js';

export interface TimeFilter {
  readonly fromMs: number | null;
  readonly toMs: number | null;
}

/** A LIKE pattern matching `text` anywhere (`%`, `_` and `\` taken literally), or null for no filter. */
function contains(text: string | null): string | null {
  return text === null ? null : `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function parse(json: string | null): Json | null {
  return json === null ? null : (JSON.parse(json) as Json);
}

export class EnterpriseViews {
  constructor(
    private readonly deps: EnterpriseDeps,
    /** `ghrName` of the prefix query: the top-level node this node registers with (IDNODE_GHR_NAME). */
    private readonly ghrName: string,
  ) {}

  /**
   * `ent/page`: staff see every enterprise, an enterprise user its own, anyone else an empty list (§7). Newest first.
   */
  page(caller: Caller, orgName: string | null, times: TimeFilter, page: number, size: number): { content: Json[]; total: number } {
    const scope = this.scope(caller);
    if (scope === 'none') return { content: [], total: 0 };
    const { rows, total } = this.deps.rows.list({ nameLike: contains(orgName), ...times, enterpriseId: scope }, size, (page - 1) * size);
    return { content: rows.map((row) => this.pageItem(row)), total };
  }

  /**
   * `ent/detail`: the application's three objects (entPrefix: its first prefix) and, an idnode addition, `prefixes`
   * with their states. Without `id`, the caller's own enterprise. Throws ENTERPRISE_NOT_FOUND, INSUFFICIENT_PERMISSIONS.
   */
  detail(caller: Caller, id: number | null): Json {
    const wanted = id ?? caller.enterpriseId;
    if (wanted === null) throw new IdnodeError('ENTERPRISE_NOT_FOUND');
    const scope = this.scope(caller);
    if (scope !== null && scope !== wanted) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', '只能查看本企业信息 (only your own enterprise)');
    const row = this.deps.rows.get(wanted);
    if (row === undefined) throw new IdnodeError('ENTERPRISE_NOT_FOUND');
    const prefixes = this.deps.rows.prefixes(row.id);
    return {
      entBasicInfo: { ...parse(row.basicInfo), entPrefix: prefixes[0]?.prefix ?? null },
      entRegisterManageInfo: parse(row.registerInfo),
      entHostingAndIdentifyServeInfo: parse(row.hostingInfo),
      prefixes: prefixes.map((p) => ({ entPrefix: p.prefix, state: p.state, proxyState: p.proxyState, reason: p.reason, createDate: shanghaiTime(p.createdAt), updateDate: shanghaiTime(p.updatedAt) })),
    };
  }

  /** `prefix/query` (§6.1). Staff, or the enterprise holding it. Throws PREFIX_NOT_FOUND, INSUFFICIENT_PERMISSIONS, INVALID_HANDLE. */
  query(caller: Caller, prefix: string): Json {
    const row = this.deps.rows.prefix(prefixKeyOf(prefix));
    if (row === undefined) throw new IdnodeError('PREFIX_NOT_FOUND', `前缀不存在: ${prefix}`);
    this.requireSees(caller, row.enterpriseId);
    const basic = parse(this.deps.rows.get(row.enterpriseId)?.basicInfo ?? null) ?? {};
    const site = typeof basic.website === 'string' ? basic.website : null;
    return {
      prefix: row.prefix,
      createDate: shanghaiTime(row.createdAt),
      ghrName: this.ghrName,
      status: row.state,
      entNameCn: row.orgName,
      entWebSite: site,
      entSite: site,
      entIndustry: basic.industryCategory ?? null,
      entAddrCn: basic.orgAddr ?? null,
      entDesc: basic.orgDesc ?? null,
    };
  }

  /** `prefix/page` (§6.2): every state (0–5), newest first; staff see all, an enterprise user its own. */
  prefixPage(caller: Caller, entName: string | null, entPrefix: string | null, times: TimeFilter, page: number, size: number): { content: Json[]; total: number } {
    const scope = this.scope(caller);
    if (scope === 'none') return { content: [], total: 0 };
    const filter = { nameLike: contains(entName), prefixLike: contains(entPrefix === null ? null : asciiUpper(entPrefix)), ...times, enterpriseId: scope };
    const { rows, total } = this.deps.rows.listPrefixes(filter, size, (page - 1) * size);
    return { content: rows.map((row) => prefixItem(row)), total };
  }

  /** null: every enterprise (staff); an id: only that one; 'none': an account without an enterprise. */
  private scope(caller: Caller): number | null | 'none' {
    if (this.deps.authority.isStaff(caller)) return null;
    return caller.enterpriseId ?? 'none';
  }

  private requireSees(caller: Caller, enterpriseId: number): void {
    const scope = this.scope(caller);
    if (scope !== null && scope !== enterpriseId) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', '只能查看本企业的前缀 (only your own prefixes)');
  }

  private pageItem(row: EnterpriseRow): Json {
    const basic = parse(row.basicInfo) ?? {};
    return {
      id: row.id,
      orgName: row.orgName,
      orgNature: basic.orgNature === undefined ? null : String(basic.orgNature),
      orgCrtType: row.orgCrtType,
      orgCrtCode: row.orgCrtCode,
      orgDesc: basic.orgDesc ?? null,
      website: basic.website ?? null,
      entGeneralId: String(row.id),
      openIds: this.deps.accounts.openIdsOf(row.id),
      createDate: shanghaiTime(row.createdAt),
      updateDate: shanghaiTime(row.updatedAt),
    };
  }
}

function prefixItem(row: ListedPrefixRow): Json {
  return {
    id: row.id,
    entPrefix: row.prefix,
    entId: row.enterpriseId,
    entName: row.orgName,
    state: row.state,
    proxyState: row.proxyState,
    createDate: shanghaiTime(row.createdAt),
    updateDate: shanghaiTime(row.updatedAt),
  };
}
