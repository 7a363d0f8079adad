// The node's RSA key pair: generated on first start, kept in the store, used to prove the server to clients.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface NodeKey {
  /** The public half as the JWK Handle's `key` format uses: `{kty:"RSA", n, e}`, base64url without padding. */
  readonly publicJwk: Readonly<Record<string, string>>;
  /** RSA PKCS#1 v1.5 over `data`, with SHA-256 (reference §6 `serverAlg="SHA256"`) unless `digest` names SHA-1 (old Handle protocol versions). */
  sign(data: Buffer, digest?: 'sha256' | 'sha1'): Buffer;
}

/** A new 2048-bit RSA private key in PKCS#8 PEM. */
export function generateNodeKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function nodeKeyFromPem(pem: string): NodeKey {
  const privateKey: KeyObject = createPrivateKey(pem);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicJwk = Object.freeze({ kty: 'RSA', n: String(jwk.n), e: String(jwk.e) });
  return { publicJwk, sign: (data, digest = 'sha256') => sign(digest, data, privateKey) };
}

/** The RFC 7638 SHA-256 thumbprint of an RSA public JWK, base64url: how an operator names (and pins) a node's key. */
export function jwkThumbprint(jwk: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e ?? '', kty: 'RSA', n: jwk.n ?? '' })).digest('base64url');
}
