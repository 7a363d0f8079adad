// In-memory handle records for the authorization tests: plain inputs built with the real value parser, not mocks.

import type { RecordLookup } from '../../src/store/store.js';
import { parseIdentity, type Identity } from '../../src/auth/identity.js';
import { adminBitsToString, ADMIN_PERMISSION as P } from '../../src/identifier/admin-permissions.js';
import { handleKeyOf, parseHandle, type Handle } from '../../src/identifier/handle.js';
import { parseValue, type HandleValue } from '../../src/identifier/value.js';

export const RULE = { suffixCaseSensitive: false } as const;
export const NOW_SECONDS = 1_768_464_000;

/** What provision.ts gives an enterprise prefix's own key without `derive`. */
export const ENTERPRISE_BITS =
  P.LIST_HANDLES | P.READ_VALUE | P.ADD_VALUE | P.REMOVE_VALUE | P.MODIFY_VALUE | P.DELETE_HANDLE | P.ADD_HANDLE;

export function admin(index: number, handle: string, adminIndex: number, bits: number): HandleValue {
  return parseValue(
    { index, type: 'HS_ADMIN', data: { format: 'admin', value: { handle, index: adminIndex, permissions: adminBitsToString(bits) } } },
    'value',
    NOW_SECONDS,
    RULE,
  );
}

export function vlist(index: number, members: readonly [handle: string, index: number][]): HandleValue {
  return parseValue(
    { index, type: 'HS_VLIST', data: { format: 'vlist', value: members.map(([handle, i]) => ({ handle, index: i })) } },
    'value',
    NOW_SECONDS,
    RULE,
  );
}

export function seckey(index: number, stored = 'pbkdf2-hmac-sha1:1000:c2FsdHNhbHRzYWx0:a2V5a2V5a2V5a2V5a2V5a2V5a2U='): HandleValue {
  return parseValue({ index, type: 'HS_SECKEY', data: stored }, 'value', NOW_SECONDS, RULE);
}

export function url(index: number, target: string): HandleValue {
  return parseValue({ index, type: 'URL', data: target }, 'value', NOW_SECONDS, RULE);
}

/** A map of records keyed by canonical handle key; `lookup` is the RecordLookup the auth code takes. */
export class Records {
  private readonly records = new Map<string, readonly HandleValue[]>();
  lookups = 0;

  set(handle: string, values: readonly HandleValue[]): this {
    this.records.set(handleKeyOf(handle, RULE), values);
    return this;
  }

  get(handle: string): readonly HandleValue[] | undefined {
    return this.records.get(handleKeyOf(handle, RULE));
  }

  readonly lookup: RecordLookup = (handleKey) => {
    this.lookups += 1;
    return this.records.get(handleKey);
  };
}

export function identity(text: string): Identity {
  return parseIdentity(text, RULE);
}

export function handle(text: string): Handle {
  return parseHandle(text, RULE);
}

/**
 * The node 88.118 as bootstrapNode/provisionPrefixSecret lay it out: `0.NA/88.118` with HS_ADMIN 100 → group 200,
 * HS_VLIST 200 → [300, an operator], HS_SECKEY 300; enterprises 88.118.8 and 88.118.80 with their own keys.
 */
export function nodeRecords(enterpriseBits = ENTERPRISE_BITS): Records {
  return new Records()
    .set('0.NA/88.118', [admin(100, '0.NA/88.118', 200, 0xfff), vlist(200, [['0.NA/88.118', 300], ['88.118/OPERATOR-1', 300]]), seckey(300)])
    .set('88.118/OPERATOR-1', [seckey(300)])
    .set('88.118/NODE-INFO', [url(1, 'https://node.example.cn/')])
    .set('0.NA/88.118.8', [admin(100, '0.NA/88.118.8', 300, enterpriseBits), seckey(300)])
    .set('88.118.8/PUMP-1', [url(1, 'https://example.cn/pump/1')])
    .set('0.NA/88.118.80', [admin(100, '0.NA/88.118.80', 300, ENTERPRISE_BITS), seckey(300)])
    .set('88.118.80/VALVE-1', [url(1, 'https://example.cn/valve/1')]);
}
