// Each supported operation carried out by the node's services, as the answers it gives (one, or a stream for a listing).

import { identityText, type Identity } from '../auth/identity.js';
import type { EncodingMemo } from '../cache/encoding-memo.js';
import { ERROR_CATALOG, IdnodeError } from '../errors.js';
import { ByteWriter } from '../identifier/binary-fields.js';
import { parseHandle, type CaseRule } from '../identifier/handle.js';
import { encodeSite } from '../identifier/site-binary.js';
import { writeValue } from '../identifier/value-binary.js';
import { valueFromJson, valueToJson, type ValueJson } from '../identifier/value-json.js';
import type { HandleValue } from '../identifier/value.js';
import type { PrefixService } from '../prefixes/prefix-service.js';
import type { Site } from '../prefixes/site.js';
import type { RegisterService } from '../register/register-service.js';
import type { ResolveService } from '../resolve/resolve-service.js';
import { FLAG, MAX_MESSAGE_BYTES, RC } from './protocol.js';
import { hasFlag, type WireRequest } from './requests.js';
import type { EncodedValues, ResponseBody } from './responses.js';

export interface MemoizedValues extends EncodedValues {
  readonly byteLength: number;
}

export interface OperationDeps {
  readonly resolve: ResolveService;
  readonly register: RegisterService;
  readonly prefixes: PrefixService;
  readonly rule: CaseRule;
  /** This node's site (its HS_SITE value), answered to OC_GET_SITE_INFO. */
  readonly site: () => Site;
  readonly valuesMemo: EncodingMemo<MemoizedValues>;
}

/** An answer and the HTTP status the REST API gives the same outcome (for metrics and the error budget). */
export interface Outcome {
  readonly body: ResponseBody;
  readonly status: number;
}

// A listing over TCP goes out in messages of this many handles (HandleServer sends 50), continuous until the last.
const LIST_CHUNK = 500;

/** A JSON array of values in output form, encoded (Encoder.encodeHandleValue each). */
export function encodeValuesJson(json: string): MemoizedValues {
  const list = JSON.parse(json) as ValueJson[];
  const writer = new ByteWriter(json.length + 32 * list.length);
  for (const value of list) writeValue(writer, valueFromJson(value));
  const bytes = Buffer.from(writer.done());
  return { count: list.length, bytes, byteLength: bytes.length };
}

/** Values of a write in the REST API's input form, so the register service validates them as it does every write. */
function inputs(values: readonly HandleValue[]): unknown[] {
  // Permissions always explicit: a Handle client's default (public read) on an HS_SECKEY is refused as on REST.
  return values.map((value) => ({ ...valueToJson(value), permissions: value.permissions }));
}

function requireIdentity(identity: Identity | null): Identity {
  if (identity === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'this operation needs credentials');
  return identity;
}

const siteBytes = new WeakMap<Site, Buffer>();

/**
 * The answer to a read (resolution, site info), made at once — the resolve path stays synchronous from message to
 * answer; null for any other operation. Throws catalog errors, AUTHENTICATION_NEEDED among them (see perform).
 */
export function performRead(request: WireRequest, identity: Identity | null, deps: OperationDeps): Outcome | null {
  const { body } = request;
  switch (body.op) {
    case 'resolution': {
      const handle = parseHandle(body.handle, deps.rule);
      const filtered = body.indexes.length + body.types.length > 0;
      const result = deps.resolve.resolve({
        handle,
        indexes: body.indexes,
        types: body.types,
        // The publicOnly flag (ignoreRestrictedValues) is set by Handle clients unless they want restricted values too.
        publicOnly: hasFlag(request, FLAG.PUBLIC_ONLY),
        identity,
        doNotRefer: hasFlag(request, FLAG.DO_NOT_REFER),
      });
      if (result.kind === 'not-found') return { body: { kind: 'error', responseCode: RC.HANDLE_NOT_FOUND, message: '' }, status: 404 };
      // Another node serves the prefix: a service referral to its site, named by the record the values come from.
      if (result.kind === 'service-referral') {
        return {
          body: { kind: 'referral', responseCode: RC.SERVICE_REFERRAL, handle: Buffer.from(result.referralHandle, 'utf8'), values: deps.valuesMemo.get(result.valuesJson, encodeValuesJson) },
          status: 300,
        };
      }
      // A prefix that does not live here (and no referral): RC_SERVER_NOT_RESP, as HandleServer answers and REST's 400/301.
      if (result.kind === 'not-homed') {
        return { body: { kind: 'error', responseCode: RC.SERVER_NOT_RESPONSIBLE, message: ERROR_CATALOG.PREFIX_NOT_HOMED.message }, status: 400 };
      }
      if (result.kind === 'referral') {
        return { body: { kind: 'referral', responseCode: RC.PREFIX_REFERRAL, handle: Buffer.alloc(0), values: deps.valuesMemo.get(result.valuesJson, encodeValuesJson) }, status: 300 };
      }
      // HandleServer answers a resolution that matches no value with RC_VALUES_NOT_FOUND; REST with responseCode 200.
      if (result.empty) return { body: { kind: 'error', responseCode: RC.VALUES_NOT_FOUND, message: '' }, status: 200 };
      // Only the cached public answer is memoized: filtered and authenticated answers are made for one request.
      const values = filtered || identity !== null ? encodeValuesJson(result.valuesJson) : deps.valuesMemo.get(result.valuesJson, encodeValuesJson);
      // An answer that is not this node's own (an escrow, another node's) goes without the authoritative flag.
      return { body: { kind: 'resolution', handle: request.handleBytes, values, authoritative: result.source === undefined }, status: 200 };
    }
    case 'site-info': {
      const site = deps.site();
      let bytes = siteBytes.get(site);
      if (bytes === undefined) siteBytes.set(site, (bytes = encodeSite(site)));
      return { body: { kind: 'site', site: bytes }, status: 200 };
    }
    default:
      return null;
  }
}

/**
 * Carries out a write or a listing as `identity` (null: anonymous) and yields its answers. Throws catalog errors,
 * among them AUTHENTICATION_NEEDED when credentials are needed: the caller answers that with a challenge.
 */
export async function* perform(
  request: WireRequest,
  identity: Identity | null,
  deps: OperationDeps,
  peer: { readonly protocol: 'tcp' | 'udp'; readonly address: string },
): AsyncGenerator<Outcome> {
  const { body } = request;
  const { protocol } = peer;
  // The audit log records who wrote and from where (src/audit/), as for the HTTP surfaces.
  const actorOf = (who: Identity) => ({ who: identityText(who), from: peer.address });
  switch (body.op) {
    case 'create':
    case 'add-value':
    case 'modify-value': {
      const who = requireIdentity(identity);
      const create = body.op === 'create';
      const result = await deps.register.put({
        handleText: body.handle,
        mint: create && hasFlag(request, FLAG.MINT),
        identity: who,
        values: inputs(body.values),
        indexes: create ? null : 'various',
        // Handle's overwriteWhenExists: off unless asked (the REST API's default is on); modify always replaces.
        overwrite: body.op === 'modify-value' || hasFlag(request, FLAG.OVERWRITE),
        requireExisting: body.op === 'modify-value',
        actor: actorOf(who),
      });
      yield create ? { body: { kind: 'created', handle: result.handle }, status: result.created ? 201 : 200 } : { body: { kind: 'done' }, status: 200 };
      return;
    }
    case 'delete':
    case 'remove-value': {
      const who = requireIdentity(identity);
      const handle = parseHandle(body.handle, deps.rule);
      await deps.register.delete({ handle, identity: who, indexes: body.op === 'remove-value' ? body.indexes : null, actor: actorOf(who) });
      yield { body: { kind: 'done' }, status: 200 };
      return;
    }
    case 'list-handles':
      yield* list(body.handle, requireIdentity(identity), deps, protocol);
      return;
    default:
      throw new IdnodeError('OPERATION_NOT_SUPPORTED', `opCode ${request.header.opCode} is not supported`);
  }
}

/**
 * OC_LIST_HANDLES: over TCP the handles in messages of LIST_CHUNK, each but the last continuous (as HandleServer
 * streams them); over UDP, where one answer is all a client reads, all in one message, or ANSWER_TOO_LARGE.
 */
async function* list(prefixText: string, identity: Identity, deps: OperationDeps, protocol: 'tcp' | 'udp'): AsyncGenerator<Outcome> {
  const listing = deps.prefixes.listHandles(identity, prefixText, { page: null, pageSize: null });
  let chunk: string[] = [];
  let bytes = 0;
  for await (const handle of deps.prefixes.streamHandles(prefixText)) {
    chunk.push(handle);
    bytes += 4 + Buffer.byteLength(handle);
    if (protocol === 'udp' && bytes > MAX_MESSAGE_BYTES) throw new IdnodeError('ANSWER_TOO_LARGE', `${listing.totalCount} handles do not fit one UDP answer; list them over TCP`);
    if (protocol === 'tcp' && chunk.length >= LIST_CHUNK) {
      yield { body: { kind: 'list', handles: chunk, continuous: true }, status: 200 };
      chunk = [];
    }
  }
  // The last message is never continuous (empty when the handles filled the previous one exactly).
  yield { body: { kind: 'list', handles: chunk, continuous: false }, status: 200 };
}
