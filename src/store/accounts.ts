// SQL of SNMS accounts and their bearer tokens (schema/005-snms.sql).

import type { Statement } from './sql-connection.js';
import type { Store } from './store.js';

export type AccountRole = 'admin' | 'reviewer' | 'enterprise';

export interface AccountRow {
  readonly id: number;
  readonly username: string;
  readonly role: AccountRole;
  readonly enterpriseId: number | null;
  readonly passwordHash: string;
  readonly passwordSealed: string | null;
  readonly email: string | null;
  readonly mobile: string | null;
  readonly openId: string | null;
  readonly openUserName: string | null;
  readonly remarks: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** An account to insert: a row's fields but the ones the store sets, with the username's key and the time. */
export type NewAccount = Omit<AccountRow, 'id' | 'createdAt' | 'updatedAt'> & { readonly usernameKey: string; readonly nowMs: number };

function columns(a: string): string {
  return `${a}.id AS id, ${a}.username AS username, ${a}.role AS role, ${a}.enterprise_id AS enterpriseId, ${a}.password_hash AS passwordHash,
    ${a}.password_sealed AS passwordSealed, ${a}.email AS email, ${a}.mobile AS mobile, ${a}.open_id AS openId, ${a}.open_user_name AS openUserName,
    ${a}.remarks AS remarks, ${a}.created_at AS createdAt, ${a}.updated_at AS updatedAt`;
}
const COLUMNS = columns('accounts');

export class AccountRows {
  private readonly byKey: Statement<[string], AccountRow>;
  private readonly byId: Statement<[number], AccountRow>;
  private readonly byEmail: Statement<[string], { id: number }>;
  private readonly byMobile: Statement<[string], { id: number }>;
  private readonly byEnterprise: Statement<[number], AccountRow>;
  private readonly insert: Statement;
  private readonly setEnterprise: Statement;
  private readonly setPassword: Statement;
  private readonly setSealed: Statement;
  private readonly count: Statement<[], { count: number }>;
  private readonly tokenAccount: Statement<[string, number], AccountRow>;
  private readonly insertToken: Statement;
  private readonly deleteToken: Statement;
  private readonly deleteExpired: Statement;
  private readonly deleteOldest: Statement;
  private readonly deleteAccountTokens: Statement;

  constructor(private readonly store: Store) {
    this.byKey = store.prepare(`SELECT ${COLUMNS} FROM accounts WHERE username_key = ?`);
    this.byId = store.prepare(`SELECT ${COLUMNS} FROM accounts WHERE id = ?`);
    this.byEmail = store.prepare('SELECT id FROM accounts WHERE email = ?');
    this.byMobile = store.prepare('SELECT id FROM accounts WHERE mobile = ?');
    this.byEnterprise = store.prepare(`SELECT ${COLUMNS} FROM accounts WHERE enterprise_id = ? ORDER BY id`);
    this.insert = store.prepare(
      `INSERT INTO accounts (username, username_key, role, enterprise_id, password_hash, password_sealed, email, mobile, open_id,
         open_user_name, remarks, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.setEnterprise = store.prepare('UPDATE accounts SET enterprise_id = ?, updated_at = ? WHERE id = ?');
    this.setPassword = store.prepare('UPDATE accounts SET password_hash = ?, password_sealed = ?, updated_at = ? WHERE id = ?');
    this.setSealed = store.prepare('UPDATE accounts SET password_sealed = ? WHERE id = ?');
    this.count = store.prepare('SELECT count(*) AS count FROM accounts');
    this.tokenAccount = store.prepare(
      `SELECT ${columns('a')} FROM account_tokens t JOIN accounts a ON a.id = t.account_id
       WHERE t.token_hash = ? AND t.expires_at > ?`,
    );
    this.insertToken = store.prepare('INSERT INTO account_tokens (token_hash, account_id, issued_at, expires_at) VALUES (?, ?, ?, ?)');
    this.deleteToken = store.prepare('DELETE FROM account_tokens WHERE token_hash = ?');
    this.deleteExpired = store.prepare('DELETE FROM account_tokens WHERE token_hash IN (SELECT token_hash FROM account_tokens WHERE expires_at <= ? LIMIT 100)');
    this.deleteOldest = store.prepare(
      `DELETE FROM account_tokens WHERE token_hash IN
         (SELECT token_hash FROM account_tokens WHERE account_id = ? ORDER BY issued_at DESC LIMIT -1 OFFSET ?)`,
    );
    this.deleteAccountTokens = store.prepare('DELETE FROM account_tokens WHERE account_id = ?');
  }

  find(usernameKey: string): AccountRow | undefined {
    return this.store.guard(() => this.byKey.get(usernameKey));
  }

  get(id: number): AccountRow | undefined {
    return this.store.guard(() => this.byId.get(id));
  }

  emailTaken(email: string): boolean {
    return this.store.guard(() => this.byEmail.get(email) !== undefined);
  }

  mobileTaken(mobile: string): boolean {
    return this.store.guard(() => this.byMobile.get(mobile) !== undefined);
  }

  ofEnterprise(enterpriseId: number): AccountRow[] {
    return this.store.guard(() => this.byEnterprise.all(enterpriseId));
  }

  total(): number {
    return this.store.guard(() => this.count.get()?.count ?? 0);
  }

  /** Inserts an account; returns its id. Call inside a write. */
  add(account: NewAccount): number {
    const a = account;
    return Number(
      this.insert.run(a.username, a.usernameKey, a.role, a.enterpriseId, a.passwordHash, a.passwordSealed, a.email, a.mobile, a.openId, a.openUserName, a.remarks, a.nowMs, a.nowMs)
        .lastInsertRowid,
    );
  }

  /** Call inside a write. */
  attachEnterprise(accountId: number, enterpriseId: number, nowMs: number): void {
    this.setEnterprise.run(enterpriseId, nowMs, accountId);
  }

  /** Replaces the password and ends every token of the account. Call inside a write. */
  replacePassword(accountId: number, passwordHash: string, passwordSealed: string | null, nowMs: number): void {
    this.setPassword.run(passwordHash, passwordSealed, nowMs, accountId);
    this.deleteAccountTokens.run(accountId);
  }

  /** Call inside a write. */
  reseal(accountId: number, passwordSealed: string): void {
    this.setSealed.run(passwordSealed, accountId);
  }

  /** The account of an unexpired token (by its SHA-256), or undefined. */
  tokenOwner(tokenHash: string, nowMs: number): AccountRow | undefined {
    return this.store.guard(() => this.tokenAccount.get(tokenHash, nowMs));
  }

  /**
   * Stores a token, keeping at most `keep` per account (the oldest go) and dropping up to 100 expired ones of anyone:
   * the table stays bounded without a sweeper. Call inside a write.
   */
  addToken(tokenHash: string, accountId: number, nowMs: number, expiresMs: number, keep: number): void {
    this.deleteExpired.run(nowMs);
    this.insertToken.run(tokenHash, accountId, nowMs, expiresMs);
    this.deleteOldest.run(accountId, keep);
  }

  /** Returns false when there was no such token. Call inside a write. */
  removeToken(tokenHash: string): boolean {
    return this.deleteToken.run(tokenHash).changes === 1;
  }
}
