// The resolver proxy's answers (reference §7): one renderer for the proxy's fast path and its Koa route alike.

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { DerivedCache } from '../cache/derived-cache.js';
import { IdnodeError, toIdnodeError } from '../errors.js';
import { parseHandle, prefixOfPrefixRecord, type CaseRule, type Handle } from '../identifier/handle.js';
import type { ValueJson } from '../identifier/value-json.js';
import type { EnterpriseDirectory } from '../pages/enterprise.js';
import { errorPage } from '../pages/error-page.js';
import type { ValueLabels } from '../pages/labels.js';
import { messagesOf, pickLanguage, type Language } from '../pages/messages.js';
import { productPage } from '../pages/product-page.js';
import { redirectPage } from '../pages/redirect-page.js';
import { PAGE_CSP } from '../pages/style.js';
import { chooseLocation, DEFAULT_CHOOSE_BY } from '../proxy/location-choice.js';
import { encodeIriToUri, isRedirectable } from '../proxy/location-header.js';
import { implicitLocatts, prefersJson } from '../proxy/negotiation.js';
import { paramOf, parseProxyTarget, proxyPathOf, type ProxyParams, type ProxyTarget } from '../proxy/proxy-target.js';
import { earlier, expiresAtMs, inherited, locationUrl, NEVER, planOf, redirectStatus, type Expiry, planSizeBytes, type LocationsRedirect, type ProxyPlan, type UrlRedirect } from '../proxy/redirect-plan.js';
import type { ResolveRequest, ResolveResult, ResolveService } from '../resolve/resolve-service.js';
import { HTML_TYPE, JSON_TYPE, renderError, retryAfterOf } from './answer.js';
import type { ClientAddressing } from './client-address.js';
import { resolutionAnswer } from './resolution.js';

/** HDLProxy.MAX_ALIASES: HS_ALIAS values followed before the chain counts as too long. */
export const MAX_ALIASES = 20;

export interface ProxyDeps {
  readonly resolve: ResolveService;
  readonly rule: CaseRule;
  readonly plans: DerivedCache<ProxyPlan>;
  readonly pages: DerivedCache<string>;
  readonly enterprises: EnterpriseDirectory;
  readonly labels: ValueLabels;
  /** Product pages show times in this zone (the node's own by default). */
  readonly timeZone: string;
  /** IDNODE_PUBLIC_URL: the base of the address a page's QR code holds; null → the request's scheme and Host. */
  readonly publicUrl: string | null;
  /** Draws for the weighted choice among locations: injected so tests can replay a choice. */
  readonly random: () => number;
  readonly nowMs: () => number;
  readonly clients: ClientAddressing;
  /**
   * The proxy always recurses (issue 14): a handle whose prefix this node does not serve is asked of the hierarchy
   * (src/hierarchy/) instead of answered with a referral. False: such a handle gets the 404 page naming its prefix.
   */
  readonly recurses: boolean;
}

/**
 * What is known from beyond this node for one request: each handle key asked of the hierarchy, with its answer or
 * the error asking it ended in. The answerer consults it before its own store.
 */
export type Beyond = ReadonlyMap<string, ResolveResult | IdnodeError>;

/** The answerer cannot finish without asking the hierarchy about one handle (not served here): ask, then call again. */
export interface NeedsRemote {
  readonly needs: ResolveRequest;
  readonly local: ResolveResult;
}

export type ProxyOutcome = ProxyAnswer | NeedsRemote;

export function needsRemote(outcome: ProxyOutcome): outcome is NeedsRemote {
  return 'needs' in outcome;
}

/** Thrown inside the answerer to leave its resolution loop; never escapes it. */
class AskBeyond {
  constructor(readonly wanted: NeedsRemote) {}
}

/** Local answers that mean "not served here": a referral or a prefix that does not live here. */
function servedElsewhere(result: ResolveResult): boolean {
  return result.kind === 'referral' || result.kind === 'service-referral' || result.kind === 'not-homed';
}

/** A complete answer: the headers besides the security ones every answer carries (a page's CSP replaces the default). */
export interface ProxyAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The catalog error the answer reports, for the error metrics and budget; null otherwise (a not-found page too, as on the API). */
  readonly error: IdnodeError | null;
}

const PAGE_HEADERS = { 'Content-Type': HTML_TYPE, 'Content-Security-Policy': PAGE_CSP } as const;
const VARY_PAGE = 'Accept, Accept-Language';
/** A choice among locations may follow Accept, Accept-Language and User-Agent (the implicit locatts). */
const VARY_LOCATIONS = 'Accept, Accept-Language, User-Agent';
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** What a request asks the proxy to do (HDLProxy.doResolution): redirect (default), the page, or the JSON. */
type Action = 'redirect' | 'page' | 'json';

function actionOf(params: ProxyParams): { action: Action; explicit: boolean; metadata: boolean } {
  const given = paramOf(params, 'action')?.toLowerCase() ?? null;
  if (given === null) return { action: params.has('noredirect') ? 'page' : 'redirect', explicit: params.has('noredirect'), metadata: false };
  if (given === 'showvalues' || given === 'showurls') return { action: 'page', explicit: true, metadata: false };
  if (given === 'api') return { action: 'json', explicit: true, metadata: false };
  return { action: 'redirect', explicit: true, metadata: given === 'metadata' };
}

/** The `index` parameters that are 32-bit integers: HDLServletRequest ignores the others rather than fail the request. */
function integers(values: readonly string[] | undefined): number[] {
  return (values ?? []).filter((value) => /^[+-]?\d{1,10}$/.test(value)).map(Number).filter((n) => n >= -2_147_483_648 && n <= 2_147_483_647);
}

export function proxyAnswerer(deps: ProxyDeps): (req: IncomingMessage, beyond?: Beyond) => ProxyOutcome {
  let dateSecond = -1;
  let dateText = '';
  const httpDate = (ms: number): string => {
    const second = Math.floor(ms / 1000);
    if (second !== dateSecond) {
      dateSecond = second;
      dateText = new Date(second * 1000).toUTCString();
    }
    return dateText;
  };
  const bodies = new WeakMap<UrlRedirect, string>();

  /** The plan of a record's public values: cached per record when the whole record was asked for. */
  function planFor(handle: Handle, valuesJson: string, filtered: boolean): ProxyPlan {
    if (!filtered) {
      const known = deps.plans.get(handle.key, '', [valuesJson]);
      if (known !== undefined) return known;
    }
    const plan = planOf(JSON.parse(valuesJson) as ValueJson[]);
    if (!filtered) deps.plans.set(handle.key, '', [valuesJson], plan, planSizeBytes(plan));
    return plan;
  }

  function expiryHeaders(expiry: Expiry, shared: boolean): Record<string, string> {
    const now = deps.nowMs();
    const at = expiresAtMs(expiry, now);
    const seconds = Math.max(0, Math.floor((at - now) / 1000));
    return { Expires: httpDate(at), 'Cache-Control': shared ? `max-age=${seconds}` : `private, max-age=${seconds}` };
  }

  function redirect(status: number, location: string, expiry: Expiry, vary: string, shared: boolean, body = redirectPage(location)): ProxyAnswer {
    return { status, headers: { 'Content-Type': HTML_TYPE, Location: location, ...expiryHeaders(expiry, shared), Vary: vary }, body, error: null };
  }

  /** The body of a plain redirect without urlappend, made once per plan. */
  function urlBody(plan: UrlRedirect): string {
    let body = bodies.get(plan);
    if (body === undefined) {
      body = redirectPage(plan.location);
      bodies.set(plan, body);
    }
    return body;
  }

  function errorAnswer(error: IdnodeError, language: Language, json: boolean, echo: string | undefined): ProxyAnswer {
    const retryAfter = retryAfterOf(error);
    const extra: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': retryAfter };
    if (json) {
      const { status, body } = renderError(error, 'handle', echo);
      return { status, headers: { 'Content-Type': JSON_TYPE, Vary: 'Accept', ...extra }, body, error };
    }
    const words = messagesOf(language);
    const message = error.code === 'INVALID_HANDLE' ? `${words.invalidHandle} (${error.message})` : error.answerMessage;
    const body = errorPage({ status: error.entry.httpStatus, code: error.code, message, language, styled: true });
    return { status: error.entry.httpStatus, headers: { ...PAGE_HEADERS, Vary: VARY_PAGE, ...extra }, body, error };
  }

  /** Not stored here: a 404 page naming the handle, or the prefix this node does not serve (reference §7.5). */
  function notFound(result: ResolveResult, handle: Handle, text: string, language: Language): ProxyAnswer {
    const words = messagesOf(language);
    const missingPrefix = result.kind !== 'not-found';
    const code = missingPrefix ? 'PREFIX_NOT_HOMED' : 'HANDLE_NOT_FOUND';
    const message = missingPrefix ? words.prefixNotFound(prefixOfPrefixRecord(handle) ?? handle.prefix) : words.handleNotFound(text);
    const body = errorPage({ status: 404, code, message, language, styled: true });
    return { status: 404, headers: { ...PAGE_HEADERS, 'Cache-Control': `max-age=${result.maxAgeSeconds ?? 0}`, Vary: VARY_PAGE }, body, error: null };
  }

  /** The scheme and host a page was asked under, when IDNODE_PUBLIC_URL is not set: Host must look like a host name. */
  function baseOf(req: IncomingMessage): string | null {
    if (deps.publicUrl !== null) return deps.publicUrl;
    const host = req.headers.host;
    if (host === undefined || !HOST.test(host)) return null;
    const peer = req.socket.remoteAddress ?? '';
    const forwarded = deps.clients.isTrustedProxy(peer) ? String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim().toLowerCase() : undefined;
    const https = (req.socket as TLSSocket).encrypted === true || forwarded === 'https';
    return `${https ? 'https' : 'http'}://${host}`;
  }

  function page(req: IncomingMessage, handle: Handle, text: string, valuesJson: string, maxAgeSeconds: number | null, language: Language): ProxyAnswer {
    const base = baseOf(req);
    const prefix = prefixOfPrefixRecord(handle) ?? handle.prefix;
    const enterprise = deps.enterprises.enterpriseOf(prefix);
    // Parsed per page request (the labels are asked of the values); the page itself is cached.
    const values = JSON.parse(valuesJson) as ValueJson[];
    const labels = deps.labels.labelsOf(text, values, language);
    const variant = `${language}\n${text}\n${base ?? ''}`;
    const versions = [valuesJson, enterprise, labels];
    let body = deps.pages.get(handle.key, variant, versions);
    if (body === undefined) {
      const pageUrl = base === null ? null : `${base}${proxyPathOf(text)}`;
      const jsonPath = `/api/handles/${text.split('/').map(encodeURIComponent).join('/')}`;
      body = productPage({ language, handle: text, prefix, enterprise, values, labels, pageUrl, jsonPath, timeZone: deps.timeZone });
      deps.pages.set(handle.key, variant, versions, body, 2 * body.length);
    }
    return { status: 200, headers: { ...PAGE_HEADERS, 'Cache-Control': `max-age=${maxAgeSeconds ?? 0}`, Vary: VARY_PAGE }, body, error: null };
  }

  /** The location-list redirect (reference §7.3), or null when no location can be redirected to (then the page). */
  function chooseAmong(req: IncomingMessage, target: ProxyTarget, text: string, plan: LocationsRedirect, metadata: boolean): ProxyAnswer | null {
    const { headers } = req;
    const locatts = [...(target.params.get('locatt') ?? []), ...(metadata ? ['role:metadata'] : []), ...implicitLocatts(headers.accept, headers['accept-language'], headers['user-agent'], metadata)];
    const chosen = chooseLocation(plan.locations, plan.chooseBy ?? DEFAULT_CHOOSE_BY, {
      locatts,
      clientAddress: deps.clients.address(req),
      country: paramOf(target.params, 'country'),
      random: deps.random,
    });
    const url = chosen === null ? null : locationUrl(chosen, text);
    if (chosen === null || url === null || !isRedirectable(url)) return null;
    let status = redirectStatus(inherited(chosen, plan.lists, 'http_sc'));
    // An HTTP/1.0 client gets 302 unless the chosen status is 301 (HDLServletRequest.sendHTTPRedirect).
    if (req.httpVersion === '1.0' && status !== 301) status = 302;
    const location = encodeIriToUri(url + (paramOf(target.params, 'urlappend') ?? ''));
    // A shared cache would hand one client's draw (or its address's choice) to every other: the choice is private.
    return redirect(status, location, plan.expiry, VARY_LOCATIONS, false);
  }

  return (req, beyond = new Map()) => {
    const language = (): Language => pickLanguage(req.headers['accept-language']);
    // Errors before the request is understood are answered as JSON to a client that prefers it.
    let json = prefersJson(req.headers.accept);
    let echo: string | undefined;
    try {
      const target = parseProxyTarget(req.url ?? '/');
      const { action, explicit, metadata } = actionOf(target.params);
      json = action === 'json' || (!explicit && json);
      let text = target.handle;
      echo = text;
      let handle = parseHandle(text, deps.rule);
      const types = target.params.get('type') ?? [];
      const indexes = integers(target.params.get('index'));
      const filtered = types.length > 0 || indexes.length > 0;
      const resolveOnce = (at: Handle): ResolveResult => {
        const known = beyond.get(at.key);
        if (known instanceof IdnodeError) throw known;
        if (known !== undefined) return known;
        const request: ResolveRequest = { handle: at, indexes, types, publicOnly: true, identity: null };
        const local = deps.resolve.resolve(request);
        if (deps.recurses && servedElsewhere(local)) throw new AskBeyond({ needs: request, local });
        return local;
      };
      let result = resolveOnce(handle);
      let plan = result.kind === 'found' ? planFor(handle, result.valuesJson, filtered) : null;
      // JSON, as /api/handles answers, for a client that prefers it — unless the record offers content negotiation
      // of its own (a 10320/loc location with http_role conneg), which Handle.net's proxy would follow.
      if (json && !(action !== 'json' && plan?.redirect?.kind === 'locations' && plan.redirect.conneg)) {
        const answer = resolutionAnswer(result, text);
        return { status: answer.status, headers: { 'Content-Type': JSON_TYPE, 'Cache-Control': `max-age=${answer.maxAgeSeconds ?? 0}`, Vary: 'Accept' }, body: answer.body, error: null };
      }
      json = false;
      // Follow HS_ALIAS (reference §7.4) unless ignore_aliases, at most MAX_ALIASES deep. A loop would only end at the
      // limit, so it is reported as soon as a handle comes round again.
      let hops = 0;
      let aliasExpiry = NEVER;
      let tooLong = false;
      const seen = new Set([handle.key]);
      while (result.kind === 'found' && plan !== null && plan.alias !== null && !target.params.has('ignore_aliases')) {
        let next: Handle;
        try {
          next = parseHandle(plan.alias.target, deps.rule);
        } catch {
          return notFound({ kind: 'not-found', maxAgeSeconds: 0 }, handle, plan.alias.target, language());
        }
        if (hops >= MAX_ALIASES || seen.has(next.key)) {
          tooLong = true;
          break;
        }
        hops += 1;
        seen.add(next.key);
        aliasExpiry = earlier(aliasExpiry, plan.alias.expiry);
        text = plan.alias.target;
        handle = next;
        result = resolveOnce(handle);
        plan = result.kind === 'found' ? planFor(handle, result.valuesJson, filtered) : null;
      }
      if (tooLong) throw new IdnodeError('ALIAS_CHAIN_TOO_LONG', messagesOf(language()).aliasTooLong(target.handle, MAX_ALIASES));
      if (result.kind !== 'found' || plan === null) return notFound(result, handle, text, language());
      if (hops > 0 && action === 'redirect') {
        // To the proxy address of the last handle, with the query as sent (HDLProxy.doResolution): a relative
        // reference, valid in Location (RFC 9110 §10.2.2) whatever name the node was reached under.
        const location = `${proxyPathOf(text)}${target.query.length > 0 ? `?${target.query}` : ''}`;
        return redirect(301, encodeIriToUri(location), aliasExpiry, 'Accept', true);
      }
      if (action === 'redirect' && plan.redirect !== null) {
        if (plan.redirect.kind === 'locations') {
          const chosen = chooseAmong(req, target, text, plan.redirect, metadata);
          if (chosen !== null) return chosen;
        } else {
          const appended = paramOf(target.params, 'urlappend');
          if (appended === null) return redirect(302, plan.redirect.location, plan.redirect.expiry, 'Accept', true, urlBody(plan.redirect));
          return redirect(302, encodeIriToUri(plan.redirect.url + appended), plan.redirect.expiry, 'Accept', true);
        }
      }
      return page(req, handle, text, result.valuesJson, result.maxAgeSeconds, language());
    } catch (thrown) {
      if (thrown instanceof AskBeyond) return thrown.wanted;
      return errorAnswer(toIdnodeError(thrown), language(), json, echo);
    }
  };
}
