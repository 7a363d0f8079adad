// Accounts made by the operator on the command line (`idnode account add`), on the store directly.

import { randomBytes } from 'node:crypto';
import { AuditService } from '../audit/audit-service.js';
import { adoptPrefix } from './applications.js';
import { type CaseRule } from '../identifier/handle.js';
import { AccountRows, type AccountRole } from '../store/accounts.js';
import { AuditRows } from '../store/audit.js';
import { EnterpriseRows } from '../store/enterprises.js';
import type { Store } from '../store/store.js';
import { LocalWriteChannel, type WriteHandler } from '../store/write-channel.js';
import { AccountService, type AccountPassword } from '../accounts/account-service.js';
import { sha256Hex } from '../accounts/password.js';
import { sealKeyFor, sealKeyPath } from '../accounts/seal.js';

export interface AccountProvisionConfig {
  readonly dbPath: string;
  readonly sealKeyPath: string | null;
  readonly nodePrefix: string;
  readonly passwordHashCost: number;
  readonly suffixCaseSensitive: boolean;
}

export interface NewAccountRequest {
  readonly username: string;
  readonly password: string;
  readonly admin: boolean;
  readonly reviewer: boolean;
  /** The prefix whose enterprise the account acts for, or null. */
  readonly enterprisePrefix: string | null;
}

/** A readable random password: 20 characters of base64url (120 bits). */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/**
 * Creates an account and audits it as made by `cli`. `--enterprise P`: a user of the enterprise holding P, adopting
 * P for an enterprise of record when P is only homed here. Throws ACCOUNT_ALREADY_EXISTS, PREFIX_NOT_HOMED,
 * INVALID_BODY (a bad name), STORE_*.
 */
function services(store: Store, config: AccountProvisionConfig): { accounts: AccountService; enterprises: EnterpriseRows; audit: AuditService; rule: CaseRule } {
  const rule: CaseRule = { suffixCaseSensitive: config.suffixCaseSensitive };
  const enterprises = new EnterpriseRows(store);
  const audit = new AuditService(new AuditRows(store), Date.now);
  // No node runs here: the account's write command runs in this process, on the CLI's own connection.
  const commands: Record<string, WriteHandler> = {};
  const writes = new LocalWriteChannel(store, commands, Date.now);
  const accounts = new AccountService(new AccountRows(store), enterprises, audit, sealKeyFor(config.dbPath, config.sealKeyPath), {
    rule,
    nodePrefix: config.nodePrefix,
    hashCost: config.passwordHashCost,
    nowMs: Date.now,
  }, writes);
  commands['accounts.password'] = (args: AccountPassword) => accounts.setPasswordInWrite(args);
  return { accounts, enterprises, audit, rule };
}

/** Replaces an account's password (its tokens end), audited as made by `cli`. Throws ACCOUNT_NOT_FOUND, STORE_*. */
export async function resetPassword(store: Store, config: AccountProvisionConfig, username: string, password: string): Promise<void> {
  const { accounts } = services(store, config);
  await accounts.setPassword(username, sha256Hex(password), { who: 'cli', from: '' });
}

export async function addAccount(store: Store, config: AccountProvisionConfig, request: NewAccountRequest): Promise<{ role: AccountRole; enterprise: string | null; sealKeyPath: string }> {
  const { accounts, enterprises, audit, rule } = services(store, config);
  const role: AccountRole = request.admin ? 'admin' : request.reviewer ? 'reviewer' : 'enterprise';
  const prepared = await accounts.prepare({ username: request.username, passwordSha256: sha256Hex(request.password), role, enterpriseId: null });
  const actor = { who: 'cli', from: '' };
  store.writeNow(() => {
    const prefix = request.enterprisePrefix;
    // The enterprise that applied for the prefix, or one adopted for a prefix homed here with `idnode secret`.
    const enterpriseId = prefix === null ? null : adoptPrefix({ store, rows: enterprises, audit, rule, nowMs: Date.now }, prefix, actor);
    accounts.insert({ ...prepared, input: { ...prepared.input, enterpriseId } }, actor);
  });
  return { role, enterprise: request.enterprisePrefix, sealKeyPath: sealKeyPath(config.dbPath, config.sealKeyPath) ?? '(memory)' };
}
