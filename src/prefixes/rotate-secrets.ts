// After a leak of the store or a backup (issue 17 item 4): a new secret for every HS_SECKEY value and a new node key.

import { decodeSecretHash, hashSecret } from '../auth/secret-hash.js';
import { isSecretKeyType, type HandleValue } from '../identifier/value.js';
import type { Store } from '../store/store.js';
import { generateSecret } from './provision.js';

export interface RotatedSecret {
  /** `index:handle`, in the registrant's spelling. */
  readonly identity: string;
  readonly secret: string;
  /** The PBKDF2 salt (base64) and iterations that challenge–response clients derive their key with. */
  readonly salt: string;
  readonly iterations: number;
}

export interface RotateOptions {
  readonly secretHashIterations: number;
  readonly nowMs: () => number;
  /** A new node private key (PKCS#8 PEM). */
  readonly generateNodeKey: () => string;
}

/**
 * Gives every HS_SECKEY value in the store (prefix records and ordinary handles alike) a new random secret — a new
 * salt too, so the leaked PBKDF2 keys answer no challenge — and the node a new key pair, all in one transaction.
 * The node must be stopped (it keeps its key pair in memory); the next start publishes the new public key.
 * Returns the new secrets, to be handed out once (the store keeps only their hashes). Throws STORE_*.
 */
export async function rotateAllSecrets(store: Store, options: RotateOptions): Promise<readonly RotatedSecret[]> {
  const nowSeconds = Math.floor(options.nowMs() / 1000);
  const records = store.scanRecords('HS_SECKEY').filter((record) => record.values.some((v) => isSecretKeyType(v.type)));
  const rotated: RotatedSecret[] = [];
  const replacements: { key: string; values: HandleValue[] }[] = [];
  for (const record of records) {
    const values: HandleValue[] = [];
    for (const value of record.values) {
      if (!isSecretKeyType(value.type)) {
        values.push(value);
        continue;
      }
      const secret = generateSecret();
      const hashed = await hashSecret(secret, options.secretHashIterations);
      const decoded = decodeSecretHash(hashed);
      values.push({ ...value, data: { format: 'string', value: hashed }, timestamp: nowSeconds });
      rotated.push({ identity: `${value.index}:${record.handle}`, secret, salt: decoded?.salt.toString('base64') ?? '', iterations: decoded?.iterations ?? 0 });
    }
    replacements.push({ key: record.key, values });
  }
  const pem = options.generateNodeKey();
  store.writeNow(() => {
    for (const { key, values } of replacements) store.updateRecord(key, values, nowSeconds);
    store.replaceNodeKey('server', pem, nowSeconds);
  });
  return rotated;
}
