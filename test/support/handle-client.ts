// A Handle challenge–response client written from the reference (handle-rest-api.md §3.7, §6), for tests.

import { createHash, createHmac, pbkdf2Sync, randomBytes, sign, type KeyObject } from 'node:crypto';

export interface Challenge {
  readonly sessionId: string;
  /** Base64, as sent by the server. */
  readonly nonce: string;
}

/** Reads the `Handle` challenge out of a WWW-Authenticate header (Node joins several with ", "). */
export function challengeFrom(header: string | undefined): Challenge {
  const sessionId = /Handle sessionId="([^"]+)"/.exec(header ?? '')?.[1];
  const nonce = /nonce="([^"]+)"/.exec(header ?? '')?.[1];
  if (sessionId === undefined || nonce === undefined) throw new Error(`no Handle challenge in ${header}`);
  return { sessionId, nonce };
}

export interface Answer {
  readonly id: string;
  readonly type: 'HS_PUBKEY' | 'HS_SECKEY';
  readonly cnonce: string;
  readonly alg: string;
  readonly signature: string;
  readonly extra?: Readonly<Record<string, string>>;
}

function signed(challenge: Challenge, cnonce: Buffer): Buffer {
  return Buffer.concat([Buffer.from(challenge.nonce, 'base64'), cnonce]);
}

/** HS_PUBKEY: RSA PKCS#1 v1.5 (or DSA DER) signature over nonce‖cnonce with the digest `alg` names. */
export function answerWithKey(id: string, privateKey: KeyObject, challenge: Challenge, alg: 'SHA256' | 'SHA1' = 'SHA256'): Answer {
  const cnonce = randomBytes(16);
  const digest = alg === 'SHA1' ? 'sha1' : 'sha256';
  const key = privateKey.asymmetricKeyType === 'dsa' ? { key: privateKey, dsaEncoding: 'der' as const } : privateKey;
  return { id, type: 'HS_PUBKEY', cnonce: cnonce.toString('base64'), alg, signature: sign(digest, signed(challenge, cnonce), key).toString('base64') };
}

export interface SecretParameters {
  readonly secret: string;
  /** The PBKDF2 salt (base64) and iterations the node stored the secret with (printed by `idnode secret`). */
  readonly salt: string;
  readonly iterations: number;
}

/** The 160-bit PBKDF2-HMAC-SHA1 key the secret derives to: what the node stores and what answers are made with. */
export function derivedKey(parameters: SecretParameters): Buffer {
  return pbkdf2Sync(parameters.secret, Buffer.from(parameters.salt, 'base64'), parameters.iterations, 20, 'sha1');
}

/** HS_SECKEY: `PBKDF2-HMAC-SHA1` → HMAC-SHA1(K, nonce‖cnonce); `SHA1` → SHA1(K‖nonce‖cnonce‖K), K the derived key. */
export function answerWithSecret(id: string, parameters: SecretParameters, challenge: Challenge, alg: 'PBKDF2-HMAC-SHA1' | 'SHA1' = 'PBKDF2-HMAC-SHA1'): Answer {
  const cnonce = randomBytes(16);
  const key = derivedKey(parameters);
  const data = signed(challenge, cnonce);
  if (alg === 'SHA1') {
    const signature = createHash('sha1').update(key).update(data).update(key).digest('base64');
    return { id, type: 'HS_SECKEY', cnonce: cnonce.toString('base64'), alg, signature };
  }
  const signature = createHmac('sha1', key).update(data).digest('base64');
  const extra = { salt: parameters.salt, iterations: String(parameters.iterations), length: '160' };
  return { id, type: 'HS_SECKEY', cnonce: cnonce.toString('base64'), alg, signature, extra };
}

/** `Authorization: Handle …` with the session and, when given, the answer (`id` percent-encoded, reference §6). */
export function handleAuthorization(sessionId: string, answer?: Answer): string {
  const parts = [`sessionId="${sessionId}"`];
  if (answer !== undefined) {
    parts.push(`id="${encodeURIComponent(answer.id)}"`, `type="${answer.type}"`, `cnonce="${answer.cnonce}"`, `alg="${answer.alg}"`, `signature="${answer.signature}"`);
    for (const [name, value] of Object.entries(answer.extra ?? {})) parts.push(`${name}="${value}"`);
  }
  return `Handle ${parts.join(', ')}`;
}

/** A DSA JWK-like `{kty:"DSA",p,q,g,y}` read out of the key's SubjectPublicKeyInfo (Node exports no DSA JWK). */
export function dsaJwk(publicKey: KeyObject): Record<string, string> {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  let at = 0;
  const header = (): { tag: number; length: number } => {
    const tag = der[at++] ?? 0;
    let length = der[at++] ?? 0;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      length = 0;
      for (let i = 0; i < bytes; i += 1) length = (length << 8) | (der[at++] ?? 0);
    }
    return { tag, length };
  };
  const integer = (): string => {
    const { length } = header();
    let bytes = der.subarray(at, at + length);
    at += length;
    while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.subarray(1);
    return Buffer.from(bytes).toString('base64url');
  };
  header(); // SEQUENCE spki
  header(); // SEQUENCE algorithm
  const oid = header(); // OID (read before moving past it: `at += header().length` would add to the old `at`)
  at += oid.length;
  header(); // SEQUENCE params
  const p = integer();
  const q = integer();
  const g = integer();
  header(); // BIT STRING
  at += 1; // unused bits
  const y = integer();
  return { kty: 'DSA', p, q, g, y };
}
