// Helpers of the SNMS tests: accounts made through the service, logins and calls over HTTP with a bearer token.

import { sha256Hex } from '../../src/accounts/password.js';
import type { AccountRole } from '../../src/accounts/account-service.js';
import { httpCall, type Reply } from './http-client.js';
import type { NodeUnderTest } from './node-under-test.js';

export const CLI_ACTOR = Object.freeze({ who: 'cli', from: '' });

/** Creates an account directly through the account service (as the CLI does). */
export async function addAccount(node: NodeUnderTest, username: string, password: string, role: AccountRole, enterpriseId: number | null = null): Promise<number> {
  return node.node.business.accounts.create({ username, passwordSha256: sha256Hex(password), role, enterpriseId, email: null, mobile: null }, CLI_ACTOR);
}

/** One SNMS call: JSON body (objects and arrays serialized), optional bearer token. */
export function snms(node: NodeUnderTest, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return httpCall(node.port, method, path, { headers, body: options.body, host: node.host });
}

/** Logs in with the plain form and returns the token; throws when the login is refused. */
export async function login(node: NodeUnderTest, username: string, password: string): Promise<string> {
  const reply = await snms(node, 'POST', '/identity/token', { body: { username, password } });
  const token = (reply.json as { data?: { token?: unknown } } | undefined)?.data?.token;
  if (reply.json?.status !== 1 || typeof token !== 'string') throw new Error(`login of ${username} failed: ${reply.text}`);
  return token;
}

/** An admin account `admin` and its token. */
export async function adminToken(node: NodeUnderTest): Promise<string> {
  await addAccount(node, 'admin', 'admin-password-1', 'admin');
  return login(node, 'admin', 'admin-password-1');
}

/** The template of the reference's examples (§5.2): productName (required, 1–64) at 2000, batchNo (1–32) at 2001. */
export function valveTemplate(prefix: string, version = 'valve-1.0'): Record<string, unknown> {
  return {
    prefix,
    version,
    industryCategory: 'C',
    industrySpecific: '34',
    industryTrade: '344',
    industrySubclass: '3443',
    type: 1,
    description: '阀门产品模板',
    items: [
      { name: '产品名称', idType: 'productName', idIndex: 2000, required: true, metadata: { type: 'string', minLength: 1, maxLength: 64 } },
      { name: '批次号', idType: 'batchNo', idIndex: 2001, required: false, metadata: { type: 'string', minLength: 1, maxLength: 32 } },
    ],
  };
}

/** A record of the valve template. */
export function valveRecord(handle: string, productName = 'DN50 闸阀', version = 'valve-1.0'): Record<string, unknown> {
  return { handle, templateVersion: version, value: [{ index: 2000, type: 'productName', data: { format: 'string', value: productName } }] };
}

/** A complete enterprise application (§7) for `entPrefix`, every required field filled; `n` keeps codes unique. */
export function application(entPrefix: string, n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sysUser: { userName: `ent${n}`, password: sha256Hex(`ent${n}-password`), email: `it${n}@valveco.example`, mobile: `1380000${String(n).padStart(4, '0')}` },
    entBasicInfo: {
      orgName: `某阀门有限公司${n}`,
      orgNature: 2,
      orgAddr: '高新大道100号',
      orgAddrProvince: '360000',
      orgAddrCity: '360100',
      orgCrtType: 1,
      orgCrtCode: `91360100MA3${String(n).padStart(7, '0')}`,
      orgCrtImgRid: 905,
      industryCategory: 'C',
      industrySpecific: '34',
      website: 'https://valveco.example',
      contactName: '张三',
      contactCrtType: 1,
      contactCrtNo: '360102199001011234',
      contactEmail: 'zhang@valveco.example',
      contactPhone: '13800000002',
      legalName: '李四',
      legalCrtType: '1',
      legalCrtNo: '360102198001011234',
      legalCrtFrontImgRid: 906,
      legalCrtBackImgRid: 907,
      entPrefix,
    },
    entRegisterManageInfo: {
      entInfoSyses: [
        { sysType: 1, deployMode: 2, name: '某云', ipPort: '[203.0.113.10]:8080' },
        { sysType: 2, deployMode: 2, name: '某云' },
        { sysType: 3, deployMode: 2, name: '某云' },
        { sysType: 4, deployMode: 1, deployAddrProvince: '360000', deployAddrCity: '360100', deployAddr: '机房1号' },
      ],
      servSysBuildType: 1,
      servSysOperType: 1,
    },
    ...overrides,
  };
}

/** Applies for `entPrefix` as the admin and approves it; returns the enterprise user's token (user `ent<n>`). */
export async function approvedEnterprise(node: NodeUnderTest, admin: string, entPrefix: string, n: number): Promise<string> {
  const applied = await snms(node, 'POST', '/snms/api/v3/ent/apply', { token: admin, body: application(entPrefix, n) });
  if (applied.json?.status !== 1) throw new Error(`apply ${entPrefix}: ${applied.text}`);
  const approved = await snms(node, 'POST', '/snms/api/v3/ent/review', { token: admin, body: { entPrefix, action: 'approve' } });
  if (approved.json?.status !== 1) throw new Error(`approve ${entPrefix}: ${approved.text}`);
  return login(node, `ent${n}`, `ent${n}-password`);
}
