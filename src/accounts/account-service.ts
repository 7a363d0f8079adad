// SNMS accounts: creating them, the two logins, bearer tokens, and the Handle identity whose rights each account has.

import { createHash, randomBytes } from 'node:crypto';
import { parseIdentity, type Identity } from '../auth/identity.js';
import type { Actor, AuditService } from '../audit/audit-service.js';
import { IdnodeError } from '../errors.js';
import { prefixRecordHandle, type CaseRule } from '../identifier/handle.js';
import type { AccountRole, AccountRow, AccountRows } from '../store/accounts.js';
import type { EnterpriseRows } from '../store/enterprises.js';
import type { WriteChannel } from '../store/write-channel.js';
import { decoyHash, hashPassword, matchesCipher, sha256Hex, verifyPassword } from './password.js';
import type { SealKey } from './seal.js';

export type { AccountRole } from '../store/accounts.js';

/** Who an authenticated SNMS request comes from. */
export interface Caller {
  readonly accountId: number;
  readonly username: string;
  readonly role: AccountRole;
  readonly enterpriseId: number | null;
  /**
   * The Handle identity whose rights the account has, checked by the same access policy as Handle clients: the node
   * administrator `300:0.NA/<node prefix>` for admin accounts, the enterprise's `300:0.NA/<its first prefix>` for its
   * users once a prefix is approved; null for reviewers and for enterprise users without an approved prefix.
   */
  readonly identity: Identity | null;
  /** The audit actor, `account:<username>`. */
  readonly actor: string;
}

export interface NewAccountInput {
  readonly username: string;
  /** Lower-case hex SHA-256 of the password (what SNMS bodies carry; the CLI computes it). */
  readonly passwordSha256: string;
  readonly role: AccountRole;
  readonly enterpriseId: number | null;
  readonly email?: string | null;
  readonly mobile?: string | null;
  readonly openId?: string | null;
  readonly openUserName?: string | null;
  readonly remarks?: string | null;
}

/** An account ready to insert: its password already hashed (the slow part, done outside the write transaction). */
export interface PreparedAccount {
  readonly input: NewAccountInput;
  readonly passwordHash: string;
  readonly passwordSealed: string;
}

/** The arguments of the account write commands: plain data (they cross to the writer thread). */
export interface AccountCreate {
  readonly prepared: PreparedAccount;
  readonly actor: Actor;
}

export interface AccountPassword {
  readonly accountId: number;
  readonly username: string;
  readonly passwordHash: string;
  readonly passwordSealed: string;
  readonly actor: Actor;
}

export interface AccountLogin {
  readonly accountId: number;
  readonly tokenHash: string;
  /** The password's new seal, when the login found the stored one unusable (see login). */
  readonly reseal: string | null;
}

export interface AccountServiceOptions {
  readonly rule: CaseRule;
  readonly nodePrefix: string;
  /** scrypt cost, log2 N (IDNODE_PASSWORD_HASH_COST). */
  readonly hashCost: number;
  readonly nowMs: () => number;
}

/** A token is valid for 24 hours (snms-v5-api.md §3.3). */
export const TOKEN_TTL_MS = 24 * 3_600_000;
/** Live tokens kept per account: a client that logs in on every call cannot grow the table without bound. */
const TOKENS_PER_ACCOUNT = 20;
const MAX_USERNAME_CHARS = 50;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The key an account name is unique under (ASCII case ignored). */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class AccountService {
  private decoy: Promise<string> | null = null;

  constructor(
    private readonly rows: AccountRows,
    private readonly enterprises: EnterpriseRows,
    private readonly audit: AuditService,
    private readonly sealKey: SealKey,
    private readonly options: AccountServiceOptions,
    /** Where the writes run (the writer thread, where this service's …InWrite bodies run over its connection). */
    private readonly writes: WriteChannel,
  ) {}

  /** Hashes and seals the password of a new account (slow: scrypt). Throws INVALID_BODY for a bad name or hash. */
  async prepare(input: NewAccountInput): Promise<PreparedAccount> {
    const name = input.username;
    if (name.length === 0 || [...name].length > MAX_USERNAME_CHARS || CONTROL.test(name) || name !== name.trim()) {
      throw new IdnodeError('INVALID_BODY', `userName must be 1 to ${MAX_USERNAME_CHARS} characters without control characters or outer spaces`);
    }
    if (!/^[0-9a-f]{64}$/i.test(input.passwordSha256)) throw new IdnodeError('INVALID_BODY', 'password must be the lower-case hex SHA-256 of the password');
    const sha = input.passwordSha256.toLowerCase();
    return {
      input: { ...input, passwordSha256: sha },
      passwordHash: await hashPassword(sha, this.options.hashCost),
      passwordSealed: this.sealKey.seal(sha, usernameKey(name)),
    };
  }

  /**
   * Inserts a prepared account and audits it. Call inside a write (with the enterprise it belongs to, for an
   * application). Throws ACCOUNT_ALREADY_EXISTS naming the field already taken (userName, email or mobile).
   */
  insert(prepared: PreparedAccount, actor: Actor): number {
    const { input } = prepared;
    const key = usernameKey(input.username);
    if (this.rows.find(key) !== undefined) throw new IdnodeError('ACCOUNT_ALREADY_EXISTS', `用户已存在: ${input.username}`);
    if (input.email && this.rows.emailTaken(input.email)) throw new IdnodeError('ACCOUNT_ALREADY_EXISTS', `邮箱已被使用: ${input.email}`);
    if (input.mobile && this.rows.mobileTaken(input.mobile)) throw new IdnodeError('ACCOUNT_ALREADY_EXISTS', `手机号已被使用: ${input.mobile}`);
    const id = this.rows.add({
      username: input.username,
      usernameKey: key,
      role: input.role,
      enterpriseId: input.enterpriseId,
      passwordHash: prepared.passwordHash,
      passwordSealed: prepared.passwordSealed,
      email: input.email || null,
      mobile: input.mobile || null,
      openId: input.openId ?? null,
      openUserName: input.openUserName ?? null,
      remarks: input.remarks ?? null,
      nowMs: this.options.nowMs(),
    });
    this.audit.append({ actor, action: 'account.create', prefixKey: null, target: `account:${input.username}`, before: null, after: this.publicView(id) });
    return id;
  }

  /** Creates an account in its own write. Throws INVALID_BODY, ACCOUNT_ALREADY_EXISTS, STORE_*. */
  async create(input: NewAccountInput, actor: Actor): Promise<number> {
    const prepared = await this.prepare(input);
    return this.writes.run<number>('accounts.create', { prepared, actor } satisfies AccountCreate);
  }

  /** Inside the write of `create` (the command `accounts.create`). */
  createInWrite({ prepared, actor }: AccountCreate): number {
    return this.insert(prepared, actor);
  }

  /** Replaces an account's password (every token of it ends). Throws ACCOUNT_NOT_FOUND, STORE_*. */
  async setPassword(username: string, passwordSha256: string, actor: Actor): Promise<void> {
    const row = this.rows.find(usernameKey(username));
    if (row === undefined) throw new IdnodeError('ACCOUNT_NOT_FOUND');
    const prepared = await this.prepare({ username: row.username, passwordSha256, role: row.role, enterpriseId: row.enterpriseId });
    const command: AccountPassword = { accountId: row.id, username: row.username, passwordHash: prepared.passwordHash, passwordSealed: prepared.passwordSealed, actor };
    await this.writes.run('accounts.password', command);
  }

  /** Inside the write of `setPassword` (the command `accounts.password`). */
  setPasswordInWrite({ accountId, username, passwordHash, passwordSealed, actor }: AccountPassword): void {
    this.rows.replacePassword(accountId, passwordHash, passwordSealed, this.options.nowMs());
    this.audit.append({ actor, action: 'account.password', prefixKey: null, target: `account:${username}`, before: null, after: null });
  }

  /**
   * Logs in and returns a new bearer token. `form` plain: `password` is the password itself; cipher: it is
   * hex(sha256(hex(sha256(password)) + date)) (§3.2). Throws LOGIN_FAILED for an unknown name or a wrong password.
   */
  async login(username: string, password: string, form: 'plain' | 'cipher'): Promise<{ token: string; caller: Caller }> {
    const nowMs = this.options.nowMs();
    const row = this.rows.find(usernameKey(username));
    if (row === undefined) {
      // The same slow hash as for a known name, so timing does not tell which names exist.
      if (form === 'plain') await verifyPassword(sha256Hex(password), await (this.decoy ??= decoyHash(this.options.hashCost)));
      throw new IdnodeError('LOGIN_FAILED');
    }
    let reseal: string | null = null;
    if (form === 'plain') {
      const sha = sha256Hex(password);
      if (!(await verifyPassword(sha, row.passwordHash))) throw new IdnodeError('LOGIN_FAILED');
      // A store restored without its seal key (or an account made before it) gets the cipher login back on the
      // first plain login: the password's SHA-256 is known again now.
      const opened = row.passwordSealed === null ? null : this.sealKey.open(row.passwordSealed, usernameKey(row.username));
      if (opened !== sha) reseal = this.sealKey.seal(sha, usernameKey(row.username));
    } else {
      const sha = row.passwordSealed === null ? null : this.sealKey.open(row.passwordSealed, usernameKey(row.username));
      if (sha === null || !matchesCipher(password, sha, nowMs)) throw new IdnodeError('LOGIN_FAILED');
    }
    const token = randomBytes(32).toString('base64url');
    await this.writes.run('accounts.login', { accountId: row.id, tokenHash: tokenHash(token), reseal } satisfies AccountLogin);
    return { token, caller: this.callerOf(row) };
  }

  /** Inside the write of `login` (the command `accounts.login`): the new token, valid from the command's time. */
  loginInWrite({ accountId, tokenHash: hash, reseal }: AccountLogin): void {
    const nowMs = this.options.nowMs();
    if (reseal !== null) this.rows.reseal(accountId, reseal);
    this.rows.addToken(hash, accountId, nowMs, nowMs + TOKEN_TTL_MS, TOKENS_PER_ACCOUNT);
  }

  /** The caller a bearer token belongs to. Throws AUTHENTICATION_FAILED when it is unknown, revoked or expired. */
  authenticate(token: string): Caller {
    const row = token.length > 0 && token.length <= 512 ? this.rows.tokenOwner(tokenHash(token), this.options.nowMs()) : undefined;
    if (row === undefined) throw new IdnodeError('AUTHENTICATION_FAILED', 'the token is unknown or expired; log in again');
    return this.callerOf(row);
  }

  /** Ends a token (logout). Idempotent. */
  async revoke(token: string): Promise<void> {
    await this.writes.run('accounts.revoke', tokenHash(token));
  }

  /** Inside the write of `revoke` (the command `accounts.revoke`). */
  revokeInWrite(hash: string): void {
    this.rows.removeToken(hash);
  }

  /** An account by name, as other services and the console see it (no password material), or undefined. */
  find(username: string): { readonly id: number; readonly username: string; readonly role: AccountRole; readonly enterpriseId: number | null } | undefined {
    const row = this.rows.find(usernameKey(username));
    return row === undefined ? undefined : { id: row.id, username: row.username, role: row.role, enterpriseId: row.enterpriseId };
  }

  /** Attaches an account to an enterprise (upgrade-apply). Call inside a write. */
  attach(accountId: number, enterpriseId: number, actor: Actor): void {
    const before = this.publicView(accountId);
    this.rows.attachEnterprise(accountId, enterpriseId, this.options.nowMs());
    this.audit.append({ actor, action: 'account.update', prefixKey: null, target: `account:${String(before?.userName)}`, before, after: this.publicView(accountId) });
  }

  /** The openIds of an enterprise's accounts that have one (`openIds` of the enterprise page, §7). */
  openIdsOf(enterpriseId: number): string[] {
    return this.rows.ofEnterprise(enterpriseId).flatMap((row) => (row.openId === null ? [] : [row.openId]));
  }

  /** What the audit log keeps of an account: never its password material. */
  private publicView(id: number): Record<string, unknown> | null {
    const row = this.rows.get(id);
    if (row === undefined) return null;
    return { id: row.id, userName: row.username, role: row.role, enterpriseId: row.enterpriseId, email: row.email, mobile: row.mobile, remarks: row.remarks };
  }

  private callerOf(row: AccountRow): Caller {
    let identity: Identity | null = null;
    if (row.role === 'admin') identity = parseIdentity(`300:${prefixRecordHandle(this.options.nodePrefix, this.options.rule).display}`, this.options.rule);
    else if (row.role === 'enterprise' && row.enterpriseId !== null) {
      const handle = this.enterprises.get(row.enterpriseId)?.identityHandle ?? null;
      if (handle !== null) identity = parseIdentity(`300:${handle}`, this.options.rule);
    }
    return { accountId: row.id, username: row.username, role: row.role, enterpriseId: row.enterpriseId, identity, actor: `account:${row.username}` };
  }
}
