// Handle sessions and challenge–response (reference §3.7, §6): open, answer, prove the server, close.

import type { Session, SessionCache } from '../cache/session-cache.js';
import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { RecordLookup } from './authenticator.js';
import { isBase64, verifyAnswer, type ChallengeAnswer } from './challenge.js';
import { identityText, type Identity } from './identity.js';
import type { NodeKey } from './node-key.js';

/** The JSON the sessions API answers with (reference §3.7). */
export interface SessionView {
  sessionId: string;
  nonce: string;
  serverAlg?: string;
  serverSignature?: string;
  authenticated?: true;
  id?: string;
}

/** A client nonce to sign must be non-empty base64; anything else is a bad request (400/4), refused before any work. */
export function checkCnonce(cnonce: string): void {
  if (!isBase64(cnonce)) throw new IdnodeError('BAD_REQUEST', 'cnonce must be non-empty base64');
}

export class SessionService {
  constructor(
    private readonly cache: SessionCache,
    private readonly lookup: RecordLookup,
    private readonly rule: CaseRule,
    private readonly nodeKey: () => NodeKey,
  ) {}

  /** A new session with a fresh challenge; authenticated at once when `identity` is given (Basic on POST). */
  open(identity: Identity | null): Session {
    const session = this.cache.create();
    if (identity !== null) this.cache.authenticate(session, identity);
    return session;
  }

  find(sessionId: string): Session | undefined {
    return this.cache.get(sessionId);
  }

  /**
   * Checks an answer to the session's current nonce. The nonce is consumed whatever the outcome and a new one is
   * issued, so an answer can never be replayed. Throws AUTHENTICATION_FAILED (expired or used nonce, bad answer).
   */
  answer(session: Session, answer: ChallengeAnswer): Identity {
    const nonce = this.cache.takeNonce(session);
    this.cache.renewNonce(session);
    if (nonce === null) throw new IdnodeError('AUTHENTICATION_FAILED', 'the nonce expired or was already used; answer the new one');
    const identity = verifyAnswer(answer, nonce, this.lookup, this.rule);
    this.cache.authenticate(session, identity);
    return identity;
  }

  /** The server's proof for a client nonce: RSA-SHA256 over nonce‖cnonce with the node key. Check the cnonce first. */
  prove(session: Session, cnonce: string): { serverAlg: string; serverSignature: string } {
    checkCnonce(cnonce);
    const signature = this.nodeKey().sign(Buffer.concat([session.nonce, Buffer.from(cnonce, 'base64')]));
    return { serverAlg: 'SHA256', serverSignature: signature.toString('base64') };
  }

  /** Sessions held now: open challenges and authenticated sessions. */
  get size(): { open: number; authenticated: number } {
    return this.cache.size;
  }

  close(sessionId: string): boolean {
    return this.cache.delete(sessionId);
  }

  /** Reference §3.7: `{sessionId, nonce}`, with `authenticated: true` and `id` once the session has logged in. */
  view(session: Session): SessionView {
    const view: SessionView = { sessionId: session.id, nonce: session.nonce.toString('base64') };
    if (session.identity !== null) {
      view.authenticated = true;
      view.id = identityText(session.identity);
    }
    return view;
  }
}
