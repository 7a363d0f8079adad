// Operator provisioning outside HTTP: the node's own prefix record on first start, and secret keys for prefixes.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { decodeSecretHash, hashSecret, verifySecret } from '../auth/secret-hash.js';
import { adminBitsToString, ADMIN_PERMISSION as P, ALL_ADMIN_BITS } from '../identifier/admin-permissions.js';
import { handleKeyOf, prefixKeyOf, prefixRecordHandle, type CaseRule } from '../identifier/handle.js';
import { IdnodeError } from '../errors.js';
import { isSecretKeyType, isTypeOrSubtype, SECRET_KEY_PERMISSIONS, type HandleValue } from '../identifier/value.js';
import type { Store } from '../store/store.js';

/** Rights an enterprise prefix record grants its own key without `derive`: everything but admin edits and derived prefixes. */
export const ENTERPRISE_BITS =
  P.LIST_HANDLES | P.READ_VALUE | P.ADD_VALUE | P.REMOVE_VALUE | P.MODIFY_VALUE | P.DELETE_HANDLE | P.ADD_HANDLE;

export interface ProvisionOptions {
  readonly rule: CaseRule;
  readonly secretHashIterations: number;
  readonly nowMs: () => number;
  /** Overwrite a value of another type at the key's index (CLI `--replace`). */
  readonly replace?: boolean;
}

export interface ProvisionResult {
  /** The identity, e.g. `300:0.NA/88.118.8`. */
  readonly identity: string;
  /** The secret when this call generated it (print it once); null when it was given. */
  readonly generatedSecret: string | null;
  readonly createdRecord: boolean;
}

/** A random secret: 32 bytes, base64url (43 characters). */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

function value(index: number, type: string, data: HandleValue['data'], nowSeconds: number, permissions = '1110'): HandleValue {
  return { index, type, data, ttlType: 0, ttl: 86_400, timestamp: nowSeconds, permissions, references: [] };
}

/**
 * `derive` on an existing record: every HS_ADMIN naming the identity `keyIndex:recordDisplay` gets all rights
 * (derived prefixes included); when none names it, one is added at the first free index from 100.
 */
function grantAllRights(values: HandleValue[], recordDisplay: string, recordKey: string, keyIndex: number, rule: CaseRule, nowSeconds: number): HandleValue[] {
  const all = adminBitsToString(ALL_ADMIN_BITS);
  const names = (v: HandleValue): boolean => {
    if (v.data.format !== 'admin' || v.data.value.index !== keyIndex) return false;
    try {
      return handleKeyOf(v.data.value.handle, rule) === recordKey;
    } catch {
      return false;
    }
  };
  if (values.some(names)) {
    return values.map((v) => (names(v) && v.data.format === 'admin' ? { ...v, timestamp: nowSeconds, data: { format: 'admin', value: { ...v.data.value, permissions: all } } } : v));
  }
  const used = new Set([...values.map((v) => v.index), keyIndex]);
  let index = 100;
  while (used.has(index)) index += 1;
  return [...values, value(index, 'HS_ADMIN', { format: 'admin', value: { handle: recordDisplay, index: keyIndex, permissions: all } }, nowSeconds)];
}

/**
 * Puts `key` (an HS_SECKEY or HS_PUBKEY value) on `0.NA/P`: creates and homes the record when missing (with an
 * HS_ADMIN for that key; `derive` gives it all rights, derived prefixes included — on an existing record too, see
 * grantAllRights), or replaces the value at the key's index — a key
 * of the same type (rotation); a value of another type only with `replace`, so handing out a key pair cannot
 * silently end a prefix's secret-key login (or the other way round).
 * Returns true when the record was created. Throws INVALID_HANDLE, VALUE_ALREADY_EXISTS, STORE_*.
 */
function putPrefixKey(store: Store, prefix: string, key: HandleValue, derive: boolean, options: ProvisionOptions, nowSeconds: number): boolean {
  const record = prefixRecordHandle(prefix, options.rule);
  return store.writeNow(() => {
    const existing = store.getRecord(record.key);
    const occupant = existing?.values.find((v) => v.index === key.index);
    if (occupant !== undefined && !isTypeOrSubtype(occupant.type, key.type) && options.replace !== true) {
      throw new IdnodeError(
        'VALUE_ALREADY_EXISTS',
        `index ${key.index} of ${record.display} holds ${occupant.type}, not ${key.type}; choose another --index, or --replace to overwrite it`,
      );
    }
    store.homePrefix(prefixKeyOf(prefix), prefix, nowSeconds);
    if (existing !== undefined) {
      let others = existing.values.filter((v) => v.index !== key.index);
      if (derive) others = grantAllRights(others, record.display, record.key, key.index, options.rule, nowSeconds);
      store.updateRecord(record.key, [...others, key].sort((a, b) => a.index - b.index), nowSeconds);
      return false;
    }
    const bits = derive ? ALL_ADMIN_BITS : ENTERPRISE_BITS;
    const admin = value(key.index === 100 ? 101 : 100, 'HS_ADMIN', { format: 'admin', value: { handle: record.display, index: key.index, permissions: adminBitsToString(bits) } }, nowSeconds);
    store.insertRecord(record.key, record.display, record.prefixKey, [admin, key].sort((a, b) => a.index - b.index), nowSeconds);
    return true;
  });
}

/**
 * Gives prefix P a secret-key identity `index:0.NA/P` (see putPrefixKey). `secret` null → a new random one is
 * generated and returned. Also returns the stored PBKDF2 salt and iterations, which challenge–response clients
 * need to derive the key they answer with. Throws INVALID_HANDLE, STORE_*.
 */
export async function provisionPrefixSecret(
  store: Store,
  prefix: string,
  index: number,
  secret: string | null,
  derive: boolean,
  options: ProvisionOptions,
): Promise<ProvisionResult & { readonly salt: string; readonly iterations: number }> {
  const plain = secret ?? generateSecret();
  const hashed = await hashSecret(plain, options.secretHashIterations);
  const nowSeconds = Math.floor(options.nowMs() / 1000);
  const key = value(index, 'HS_SECKEY', { format: 'string', value: hashed }, nowSeconds, SECRET_KEY_PERMISSIONS);
  const created = putPrefixKey(store, prefix, key, derive, options, nowSeconds);
  const decoded = decodeSecretHash(hashed);
  return {
    identity: `${index}:${prefixRecordHandle(prefix, options.rule).display}`,
    generatedSecret: secret === null ? plain : null,
    createdRecord: created,
    salt: decoded?.salt.toString('base64') ?? '',
    iterations: decoded?.iterations ?? 0,
  };
}

/**
 * Gives prefix P a public-key identity `index:0.NA/P`: a new RSA 2048 key pair whose public half is stored as
 * HS_PUBKEY (JWK) and whose private half (PKCS#8 PEM) is returned to be handed over once and never stored.
 */
export function provisionPrefixKeyPair(
  store: Store,
  prefix: string,
  index: number,
  derive: boolean,
  options: ProvisionOptions,
): { readonly identity: string; readonly privateKeyPem: string; readonly createdRecord: boolean } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const nowSeconds = Math.floor(options.nowMs() / 1000);
  const key = value(index, 'HS_PUBKEY', { format: 'key', value: { kty: 'RSA', n: String(jwk.n), e: String(jwk.e) } }, nowSeconds);
  const created = putPrefixKey(store, prefix, key, derive, options, nowSeconds);
  return {
    identity: `${index}:${prefixRecordHandle(prefix, options.rule).display}`,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    createdRecord: created,
  };
}

export interface BootstrapResult {
  readonly identity: string;
  /** Set only when the administrator secret was generated now (first start without IDNODE_ADMIN_SECRET). */
  readonly generatedSecret: string | null;
  readonly createdRecord: boolean;
  /** IDNODE_ADMIN_SECRET differed from the stored one and replaced it. */
  readonly rotated: boolean;
}

/**
 * First start: creates `0.NA/<node prefix>` with HS_ADMIN 100 → group 200, HS_VLIST 200 → [300], HS_SECKEY 300,
 * and homes the prefix. Later starts: if `adminSecret` is given and does not match, the stored key is replaced.
 */
export async function bootstrapNode(store: Store, nodePrefix: string, adminSecret: string | null, options: ProvisionOptions): Promise<BootstrapResult> {
  const record = prefixRecordHandle(nodePrefix, options.rule);
  const existing = store.getRecord(record.key);
  const identity = `300:${record.display}`;
  if (existing !== undefined) {
    const stored = existing.values.find((v) => v.index === 300 && isSecretKeyType(v.type));
    const matches = stored !== undefined && adminSecret !== null && (await verifySecret(adminSecret, String(stored.data.value)));
    if (adminSecret === null || matches) return { identity, generatedSecret: null, createdRecord: false, rotated: false };
    // IDNODE_ADMIN_SECRET is the operator's word: it replaces whatever key is at 300, of either type.
    await provisionPrefixSecret(store, nodePrefix, 300, adminSecret, true, { ...options, replace: true });
    return { identity, generatedSecret: null, createdRecord: false, rotated: true };
  }
  const secret = adminSecret ?? generateSecret();
  const hashed = await hashSecret(secret, options.secretHashIterations);
  const nowSeconds = Math.floor(options.nowMs() / 1000);
  const values: HandleValue[] = [
    value(100, 'HS_ADMIN', { format: 'admin', value: { handle: record.display, index: 200, permissions: adminBitsToString(ALL_ADMIN_BITS) } }, nowSeconds),
    value(200, 'HS_VLIST', { format: 'vlist', value: [{ handle: record.display, index: 300 }] }, nowSeconds),
    value(300, 'HS_SECKEY', { format: 'string', value: hashed }, nowSeconds, SECRET_KEY_PERMISSIONS),
  ];
  store.writeNow(() => {
    store.insertRecord(record.key, record.display, record.prefixKey, values, nowSeconds);
    store.homePrefix(prefixKeyOf(nodePrefix), nodePrefix, nowSeconds);
  });
  return { identity, generatedSecret: adminSecret === null ? secret : null, createdRecord: true, rotated: false };
}
