// Handle sessions and challenge–response (reference §3.7, §6): open, answer, prove the server, close.

import { MAX_WRONG_ANSWERS, type Session as CachedSession, type SessionTable } from '../cache/session-cache.js';
import { IdnodeError } from '../errors.js';
import type { CaseRule } from '../identifier/handle.js';
import type { RecordLookup } from '../store/store.js';
import { isBase64, verifyAnswer, type ChallengeAnswer } from './challenge.js';
import { identityText, keyFingerprint, type Identity, type Login } from './identity.js';
import type { NodeKey } from './node-key.js';

/** A Handle session: its challenge nonce and, once it has logged in, its identity. */
export type Session = CachedSession<Identity>;

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
    private readonly cache: SessionTable<Identity>,
    private readonly lookup: RecordLookup,
    private readonly rule: CaseRule,
    private readonly nodeKey: () => NodeKey,
  ) {}

  /** A new session with a fresh challenge; authenticated at once when a login is given (Basic on POST). */
  open(login: Login | null): Session {
    const session = this.cache.create();
    if (login !== null) this.cache.authenticate(session, login.identity, login.key);
    return session;
  }

  /**
   * The session's identity (null before it has logged in) while the key it logged in with is still the identity's
   * key at that index. A rotated or removed key, or a deleted record, ends the session at once: it is closed and
   * AUTHENTICATION_FAILED is thrown, as for a session the node does not know.
   */
  identityOf(session: Session): Identity | null {
    const identity = session.identity;
    if (identity === null) return null;
    const value = (this.lookup(identity.handle.key) ?? []).find((candidate) => candidate.index === identity.index);
    if (value !== undefined && keyFingerprint(value) === session.loginKey) return identity;
    this.cache.delete(session.id);
    throw new IdnodeError('AUTHENTICATION_FAILED', 'the key this session logged in with was changed or removed; log in again');
  }

  find(sessionId: string): Session | undefined {
    return this.cache.get(sessionId);
  }

  /**
   * Checks an answer to the session's current nonce. A wrong answer leaves the nonce as it is (issue 10: a client
   * that logs in twice at once answers it twice), but after MAX_WRONG_ANSWERS wrong answers the next one closes the
   * session. A right answer spends the nonce, so it can never be replayed. Throws AUTHENTICATION_FAILED.
   */
  answer(session: Session, answer: ChallengeAnswer): Identity {
    const nonce = this.cache.answerableNonce(session);
    if (nonce === null) {
      this.cache.renewNonce(session);
      throw new IdnodeError('AUTHENTICATION_FAILED', 'the nonce expired; answer the new one');
    }
    let login: Login;
    try {
      login = verifyAnswer(answer, nonce, this.lookup, this.rule);
    } catch (error) {
      if (this.cache.wrongAnswer(session)) {
        throw new IdnodeError('AUTHENTICATION_FAILED', `more than ${MAX_WRONG_ANSWERS} wrong answers: the session is closed; open a new one`, { cause: error });
      }
      throw error;
    }
    this.cache.authenticate(session, login.identity, login.key);
    this.cache.spendNonce(session);
    return login.identity;
  }

  /** True while the session is held (not closed, expired or evicted). */
  isOpen(session: Session): boolean {
    return this.cache.get(session.id) !== undefined;
  }

  /**
   * The server's proof for a client nonce: RSA-SHA256 over nonce‖cnonce with the node key, and the nonce it signed
   * (the session's current one, renewed first if spent or near expiry). Check the cnonce first.
   */
  prove(session: Session, cnonce: string): { nonce: string; serverAlg: string; serverSignature: string } {
    checkCnonce(cnonce);
    const nonce = this.cache.currentNonce(session);
    const signature = this.nodeKey().sign(Buffer.concat([nonce, Buffer.from(cnonce, 'base64')]));
    return { nonce: nonce.toString('base64'), serverAlg: 'SHA256', serverSignature: signature.toString('base64') };
  }

  /** The nonce a challenge names: the session's current one, renewed first if spent or near expiry. */
  challengeNonce(session: Session): string {
    return this.cache.currentNonce(session).toString('base64');
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
    const view: SessionView = { sessionId: session.id, nonce: this.challengeNonce(session) };
    if (session.identity !== null) {
      view.authenticated = true;
      view.id = identityText(session.identity);
    }
    return view;
  }
}
