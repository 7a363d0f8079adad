// Publishing a prefix (`/snms/api/ent/config`, snms-v5-api.md §6.3): hosted here, or an HS_SITE of the enterprise's server.

import { isIP } from 'node:net';
import type { Caller } from '../accounts/account-service.js';
import type { Actor } from '../audit/audit-service.js';
import { IdnodeError } from '../errors.js';
import { prefixKeyOf, prefixRecordHandle } from '../identifier/handle.js';
import { isTypeOrSubtype, type HandleValue } from '../identifier/value.js';
import { oneServerSite, type Site } from '../prefixes/site.js';
import { compileSchemaFile, requireValid } from '../validation/json-schema.js';
import type { EnterpriseDeps } from './applications.js';
import { PREFIX_STATE, PROXY_STATE, type Json } from './enterprise-model.js';

const configSchema = compileSchemaFile('snms-ent-config');

/** The one hosting server this node offers (§6.3 "系统管理-托管配置"): itself. */
export const HOSTING_SERVER_ID = 1;


function port(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new IdnodeError('INVALID_BODY', 'ports must be 1 to 65535');
  return n;
}

/** The HS_SITE of a self-hosted prefix: one server at `ip` answering on the ports given. */
function ownSite(prefix: string, config: Json): Site {
  if (config.hdlType !== undefined && config.hdlType !== null && config.hdlType !== '' && String(config.hdlType).toUpperCase() !== 'HS_SITE') {
    throw new IdnodeError('INVALID_BODY', 'entPrefixConfig.hdlType must be HS_SITE');
  }
  const ip = typeof config.ip === 'string' ? config.ip : '';
  const family = Number(config.ipType ?? (isIP(ip) || 4));
  if (isIP(ip) !== family) throw new IdnodeError('INVALID_BODY', `entPrefixConfig.ip must be an IPv${family} address`);
  const interfaces = [
    [port(config.tcpPort), 'TCP', true],
    [port(config.udpPort), 'UDP', false],
    [port(config.httpPort), 'HTTP', true],
  ].flatMap(([number, protocol, admin]) => (number === null ? [] : [{ query: true, admin, protocol, port: number }]));
  if (interfaces.length === 0) throw new IdnodeError('MISSING_PARAMETER', '缺少必要的请求参数: tcpPort/udpPort/httpPort');
  return oneServerSite(`${prefix} (self-hosted)`, { address: ip, interfaces });
}

/** The argument of the publication write command: plain data (it crosses to the writer thread). */
export interface ConfigureCommand {
  readonly prefix: string;
  readonly hosted: boolean;
  readonly site: Site;
  readonly actor: Actor;
}

export class Publication {
  constructor(
    private readonly deps: EnterpriseDeps,
    /** This node's own site (its HS_SITE), for hosted prefixes. */
    private readonly nodeSite: () => Site,
  ) {}

  /**
   * Publishes an enabled prefix: hosted (`proxyServerId` 1, this node; hosting state 4) puts this node's HS_SITE on
   * `0.NA/<prefix>`; self-hosted puts one for the enterprise's server (hosting state 1). Either replaces the HS_SITE
   * there. Admins and the prefix's administrators. Throws MISSING_PARAMETER, INVALID_BODY, PREFIX_NOT_FOUND,
   * INVALID_STATE, INSUFFICIENT_PERMISSIONS.
   */
  async configure(caller: Caller, body: unknown, actor: Actor): Promise<void> {
    requireValid(configSchema, body);
    const { proxyServerId, entPrefixConfig } = body as Json;
    const config = entPrefixConfig as Json;
    const prefix = String(config.entPrefix);
    this.deps.authority.requireAdministers(caller, prefix);
    const hosted = proxyServerId !== undefined && proxyServerId !== null && proxyServerId !== '';
    if (hosted && Number(proxyServerId) !== HOSTING_SERVER_ID) throw new IdnodeError('INVALID_BODY', `proxyServerId ${String(proxyServerId)} is not a hosting server of this node (${HOSTING_SERVER_ID})`);
    const site = hosted ? this.nodeSite() : ownSite(prefix, config);
    await this.deps.writes.run('enterprises.configure', { prefix, hosted, site, actor } satisfies ConfigureCommand);
  }

  /** Inside the write of `configure` (the command `enterprises.configure`). */
  configureInWrite({ prefix, hosted, site, actor }: ConfigureCommand): void {
    const prefixKey = prefixKeyOf(prefix);
    const row = this.deps.rows.prefix(prefixKey);
    if (row === undefined) throw new IdnodeError('PREFIX_NOT_FOUND', `前缀不存在: ${prefix}`);
    if (row.state !== PREFIX_STATE.ENABLED) throw new IdnodeError('INVALID_STATE', `当前状态(${row.state})不允许此操作: 前缀未启用`);
    const record = prefixRecordHandle(row.prefix, this.deps.rule);
    const values = this.deps.store.getRecord(record.key)?.values ?? [];
    const nowSeconds = Math.floor(this.deps.nowMs() / 1000);
    const previous = values.find((v) => isTypeOrSubtype(v.type, 'HS_SITE') && !isTypeOrSubtype(v.type, 'HS_SITE.PREFIX'));
    let index = previous?.index ?? 1;
    while (previous === undefined && values.some((v) => v.index === index)) index += 1;
    const value: HandleValue = { index, type: 'HS_SITE', data: { format: 'site', value: site }, ttlType: 0, ttl: 86_400, timestamp: nowSeconds, permissions: '1110', references: [] };
    const next = [...values.filter((v) => v.index !== index), value].sort((a, b) => a.index - b.index);
    if (values.length === 0) this.deps.store.insertRecord(record.key, record.display, record.prefixKey, next, nowSeconds);
    else this.deps.store.updateRecord(record.key, next, nowSeconds);
    this.deps.rows.setProxyState(prefixKey, hosted ? PROXY_STATE.HOSTED : PROXY_STATE.NOT_HOSTED, this.deps.nowMs());
    this.deps.audit.append({ actor, action: 'prefix.config', prefixKey, target: row.prefix, before: { proxyState: row.proxyState, site: previous?.data.value ?? null }, after: { proxyState: hosted ? PROXY_STATE.HOSTED : PROXY_STATE.NOT_HOSTED, site } });
  }
}
