// Answers to challenges (ChallengeAnswerRequest): the signed response of each kind, checked by the REST sessions' own verifier.

import type { RecordLookup } from '../store/store.js';
import { verifyAnswer, type ChallengeAnswer } from '../auth/challenge.js';
import type { Login } from '../auth/identity.js';
import { IdnodeError } from '../errors.js';
import { ByteReader } from '../identifier/binary-fields.js';
import type { CaseRule } from '../identifier/handle.js';
import type { PendingChallenge } from './challenges.js';
import { HASH_CODE } from './protocol.js';

/** The one-octet digest codes of an HS_SECKEY answer (Util.doMac), by the `alg` names the REST verifier knows. */
const SECRET_KEY_ALGS: Readonly<Record<number, string>> = {
  [HASH_CODE.MD5]: 'MD5',
  [HASH_CODE.SHA1]: 'SHA1',
  [HASH_CODE.SHA256]: 'SHA256',
  [HASH_CODE.HMAC_SHA1]: 'HMAC-SHA1',
  [HASH_CODE.HMAC_SHA256]: 'HMAC-SHA256',
};

/** One-octet hash ids an HS_PUBKEY answer may name instead of a name (Util.getSigIdFromHashAlgId). */
const SIGNATURE_ALGS: Readonly<Record<number, string>> = { [HASH_CODE.MD5]: 'MD5', [HASH_CODE.SHA1]: 'SHA1', [HASH_CODE.SHA256]: 'SHA256' };

export interface AnswerBody {
  readonly authType: string;
  readonly identityHandle: string;
  readonly identityIndex: number;
  readonly signedResponse: Buffer;
}

function failed(message: string): IdnodeError {
  return new IdnodeError('AUTHENTICATION_FAILED', message);
}

/** The identity an answer claims, `index:handle`, as the REST verifier reads identities. */
export function claimedIdentity(body: AnswerBody): string {
  return `${body.identityIndex}:${body.identityHandle}`;
}

/**
 * The answer in the form the REST verifier checks (src/auth/challenge.ts): what is signed is nonce ‖ request digest
 * (HandleServer.verifyChallenge, verifyIdentity), so the digest stands where the REST API has the client's cnonce.
 * HS_SECKEY: the digest code octet, then for PBKDF2-HMAC-SHA1 salt, iterations, key length (bits) and the HMAC
 * (Util.constructPbkdf2Encoding), for the other codes the digest itself. HS_PUBKEY: a hash name (or code) and the
 * signature. Throws AUTHENTICATION_FAILED for answers that are neither.
 */
function restForm(body: AnswerBody, pending: PendingChallenge): ChallengeAnswer {
  const base = { id: claimedIdentity(body), type: body.authType, cnonce: pending.digest.digest.toString('base64') };
  try {
    const reader = new ByteReader(body.signedResponse);
    if (body.authType === 'HS_SECKEY') {
      const code = reader.u8('digest code');
      if (code === HASH_CODE.PBKDF2_HMAC_SHA1) {
        const salt = reader.bytesField('salt', 1024);
        const iterations = reader.int32('iterations');
        const length = reader.int32('key length');
        const mac = reader.bytesField('mac', 1024);
        return { ...base, alg: 'PBKDF2-HMAC-SHA1', signature: mac.toString('base64'), salt: salt.toString('base64'), iterations: String(iterations), length: String(length) };
      }
      const alg = SECRET_KEY_ALGS[code];
      if (alg === undefined) throw failed(`unknown secret-key digest code ${code}`);
      return { ...base, alg, signature: reader.raw(reader.remaining, 'digest').toString('base64') };
    }
    if (body.authType === 'HS_PUBKEY') {
      const hash = reader.bytesField('hash algorithm', 64);
      const alg = hash.length === 1 ? SIGNATURE_ALGS[hash[0] ?? -1] : hash.toString('latin1');
      if (alg === undefined) throw failed('unknown signature hash');
      return { ...base, alg, signature: reader.bytesField('signature', 4096).toString('base64') };
    }
  } catch (error) {
    if (error instanceof IdnodeError && error.code === 'AUTHENTICATION_FAILED') throw error;
    throw failed('the signed response is malformed');
  }
  throw failed('authType must be HS_SECKEY or HS_PUBKEY');
}

/**
 * Checks an answer against its challenge: the identity's HS_SECKEY (stored as PBKDF2-HMAC-SHA1, so a PBKDF2 answer
 * must use the stored salt and iterations, and digest answers are keyed with the stored key, as on the REST API) or
 * HS_PUBKEY (RSA, DSA). Returns the login; throws AUTHENTICATION_FAILED.
 */
export function verifyWireAnswer(body: AnswerBody, pending: PendingChallenge, lookup: RecordLookup, rule: CaseRule): Login {
  const answer = restForm(body, pending);
  if (!(answer.signature.length > 0)) throw failed('the signed response is empty');
  return verifyAnswer(answer, pending.nonce, lookup, rule);
}
