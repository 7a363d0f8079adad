// An enterprise application as the SNMS API sends it (snms-v5-api.md §7), checked, and the prefix it applies for.

import { IdnodeError } from '../errors.js';
import { checkNotNamespace, isAncestorPrefix, prefixKeyOf } from '../identifier/handle.js';
import type { EnterpriseRow } from '../store/enterprises.js';
import { compileSchemaFile, requireValid } from '../validation/json-schema.js';

const applicationSchema = compileSchemaFile('snms-enterprise');

export type Json = Record<string, unknown>;

/** Prefix states (§6.1). */
export const PREFIX_STATE = Object.freeze({ DISABLED: 0, ENABLED: 1, PENDING_DELETION: 2, REJECTED: 3, AWAITING_REVIEW: 4, UNDER_REVIEW: 5 });
/** Hosting states (§6.2). */
export const PROXY_STATE = Object.freeze({ NOT_HOSTED: 1, REQUESTED: 2, REJECTED: 3, HOSTED: 4 });

export interface Application {
  readonly sysUser: Json | null;
  readonly username: string | null;
  /** entBasicInfo without entPrefix. */
  readonly basic: Json;
  readonly prefix: string;
  readonly prefixKey: string;
  readonly register: Json;
  readonly hosting: Json | null;
}

/**
 * Checks an apply or upgrade-apply body (schema/snms-enterprise.schema.json) and the prefix applied for: a valid prefix
 * strictly under the node prefix, by whole segments. Throws MISSING_PARAMETER, INVALID_BODY, INVALID_HANDLE.
 */
export function parseApplication(body: unknown, nodePrefix: string): Application {
  requireValid(applicationSchema, body);
  const { sysUser, username, entBasicInfo, entRegisterManageInfo, entHostingAndIdentifyServeInfo } = body as Json;
  const { entPrefix, ...basic } = entBasicInfo as Json;
  const prefix = String(entPrefix);
  checkNotNamespace(prefix);
  if (!isAncestorPrefix(nodePrefix, prefix)) throw new IdnodeError('INVALID_BODY', `entBasicInfo.entPrefix must be under the node prefix ${nodePrefix} (e.g. ${nodePrefix}.8)`);
  basic.industryCategory = String(basic.industryCategory).toUpperCase();
  return {
    sysUser: (sysUser as Json | undefined) ?? null,
    username: typeof username === 'string' ? username : null,
    basic,
    prefix,
    prefixKey: prefixKeyOf(prefix),
    register: entRegisterManageInfo as Json,
    hosting: (entHostingAndIdentifyServeInfo as Json | null | undefined) ?? null,
  };
}

/** The columns of an enterprise row from an application. */
export function enterpriseColumns(application: Application): Pick<EnterpriseRow, 'orgName' | 'orgCrtType' | 'orgCrtCode' | 'basicInfo' | 'registerInfo' | 'hostingInfo'> {
  return {
    orgName: String(application.basic.orgName),
    orgCrtType: String(application.basic.orgCrtType),
    orgCrtCode: String(application.basic.orgCrtCode),
    basicInfo: JSON.stringify(application.basic),
    registerInfo: JSON.stringify(application.register),
    hostingInfo: application.hosting === null ? null : JSON.stringify(application.hosting),
  };
}

/** What the audit log keeps of an enterprise: its application as stored and its prefixes. */
export function enterpriseSnapshot(row: EnterpriseRow | undefined, prefixes: readonly { prefix: string; state: number }[]): Json | null {
  if (row === undefined) return null;
  return {
    id: row.id,
    entBasicInfo: JSON.parse(row.basicInfo) as unknown,
    entRegisterManageInfo: JSON.parse(row.registerInfo) as unknown,
    entHostingAndIdentifyServeInfo: row.hostingInfo === null ? null : (JSON.parse(row.hostingInfo) as unknown),
    prefixes: prefixes.map((p) => ({ entPrefix: p.prefix, state: p.state })),
  };
}
