// The Handle answer to a resolution (reference §3.2, §5), one renderer for the resolve fast path and the Koa route.

import { ERROR_CATALOG } from '../errors.js';
import type { ResolveResult } from '../resolve/resolve-service.js';

const NOT_HOMED_MESSAGE = JSON.stringify(ERROR_CATALOG.PREFIX_NOT_HOMED.message);

export interface ResolutionAnswer {
  readonly status: number;
  /** The JSON body. */
  readonly body: string;
  /** How long a shared cache may keep the answer (anonymous answers only), or null for none. */
  readonly maxAgeSeconds: number | null;
}

/**
 * How an answer that is not this node's own says so (docs/hierarchy.md): `"authoritative":false` and its source, and
 * `"stale":true` for one served past its TTL.
 */
function provenance(result: ResolveResult): string {
  if (result.kind !== 'found' && result.kind !== 'not-found') return '';
  if (result.source === undefined) return '';
  return `,"authoritative":false,"source":"${result.source}"${result.kind === 'found' && result.stale === true ? ',"stale":true' : ''}`;
}

/**
 * Found: 200 with responseCode 1, or responseCode 200 when no value is left to show; not found: 404/100; a prefix
 * referral: 300/303 with the values that refer; a service referral (another node serves the prefix): 300/302 with its
 * HS_SITE values and `referralHandle`; a prefix that does not live here (and no referral): 400/301, as Handle.net
 * answers, since this node cannot know whether the handle exists. `text` is the handle as the client wrote it, echoed
 * back. Answers that are not this node's own are marked (provenance).
 */
export function resolutionAnswer(result: ResolveResult, text: string): ResolutionAnswer {
  const handle = JSON.stringify(text);
  const { maxAgeSeconds } = result;
  switch (result.kind) {
    case 'not-found':
      return { status: 404, body: `{"responseCode":100,"handle":${handle}${provenance(result)}}`, maxAgeSeconds };
    case 'not-homed':
      return { status: 400, body: `{"responseCode":301,"handle":${handle},"message":${NOT_HOMED_MESSAGE}}`, maxAgeSeconds };
    case 'referral':
      return { status: 300, body: `{"responseCode":303,"handle":${handle},"values":${result.valuesJson}}`, maxAgeSeconds };
    case 'service-referral':
      return { status: 300, body: `{"responseCode":302,"handle":${handle},"referralHandle":${JSON.stringify(result.referralHandle)},"values":${result.valuesJson}}`, maxAgeSeconds };
    case 'found':
      return { status: 200, body: `{"responseCode":${result.empty ? 200 : 1},"handle":${handle},"values":${result.valuesJson}${provenance(result)}}`, maxAgeSeconds };
  }
}
