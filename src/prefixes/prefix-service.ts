// Prefixes: which are homed here, homing and unhoming them, and listing the handles under one.

import type { AccessPolicy } from '../auth/access-policy.js';
import type { RecordLookup } from '../store/store.js';
import type { Identity } from '../auth/identity.js';
import { IdnodeError } from '../errors.js';
import { prefixFromText, prefixKeyOf } from '../identifier/handle.js';
import type { Store } from '../store/store.js';
import type { WriteChannel, WriteHandlers } from '../store/write-channel.js';

export interface Paging {
  /** Neither → everything; `pageSize` → one page (`page` counts from 0, default 0); see PrefixService.window. */
  readonly page: number | null;
  readonly pageSize: number | null;
}

export interface Listing {
  readonly totalCount: number;
  /** null when the whole list was asked for: read it with `stream`. */
  readonly page: readonly string[] | null;
  readonly paging: { readonly page: number; readonly pageSize: number } | null;
}

export interface PrefixServiceOptions {
  readonly listHandlesEnabled: boolean;
  readonly listMaxPageSize: number;
  readonly nodePrefix: string;
  readonly nowMs: () => number;
}

const STREAM_CHUNK = 1000;

interface HomeCommand {
  readonly prefixKey: string;
  readonly prefix: string;
  readonly nowMs: number;
}

interface UnhomeCommand {
  readonly prefixKey: string;
  readonly nowMs: number;
}

/** The prefix commands, run in the group commit on the write connection's `store`. */
export function prefixWriteCommands(store: Store): WriteHandlers {
  return {
    'prefixes.home': (command: HomeCommand) => store.homePrefix(command.prefixKey, command.prefix, Math.floor(command.nowMs / 1000)),
    'prefixes.unhome': (command: UnhomeCommand) => store.unhomePrefix(command.prefixKey),
  };
}

export class PrefixService {
  constructor(
    private readonly store: Store,
    private readonly writes: WriteChannel,
    private readonly policy: AccessPolicy,
    private readonly options: PrefixServiceOptions,
    private readonly lookup: RecordLookup,
  ) {}

  /**
   * Lists the handles under a prefix in canonical order (needs LIST_HANDLES). Throws OPERATION_NOT_SUPPORTED
   * (listing switched off), INVALID_HANDLE, PREFIX_NOT_HOMED, AUTHENTICATION_NEEDED, INSUFFICIENT_PERMISSIONS, BAD_REQUEST.
   */
  listHandles(identity: Identity | null, prefixText: string, paging: Paging): Listing {
    if (!this.options.listHandlesEnabled) throw new IdnodeError('OPERATION_NOT_SUPPORTED', 'listing handles is switched off on this node');
    const prefix = prefixFromText(prefixText);
    const prefixKey = prefixKeyOf(prefix);
    if (identity === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'listing handles needs credentials');
    if (this.store.homedPrefix(prefixKey) === undefined) throw new IdnodeError('PREFIX_NOT_HOMED');
    if (!this.policy.allowsList(identity, prefix, this.lookup)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', `identity may not list ${prefix}`);
    const totalCount = this.store.countHandles(prefixKey);
    const window = this.window(paging);
    if (window === null) return { totalCount, page: null, paging: null };
    const offset = window.page * window.pageSize;
    // A page past the end is empty without asking the store, whose OFFSET would walk the prefix's index to get there.
    const page = window.pageSize === 0 || offset >= totalCount ? [] : this.store.listHandles(prefixKey, window.pageSize, offset).map((row) => row.handle);
    return { totalCount, page, paging: window };
  }

  /** Every handle under a homed prefix, fetched in keyset chunks so memory stays bounded however many there are. */
  async *streamHandles(prefixText: string): AsyncGenerator<string> {
    const prefixKey = prefixKeyOf(prefixFromText(prefixText));
    let after = '';
    for (;;) {
      const rows = this.store.listHandlesAfter(prefixKey, after, STREAM_CHUNK);
      for (const row of rows) yield row.handle;
      const last = rows.at(-1);
      if (last === undefined || rows.length < STREAM_CHUNK) return;
      after = last.key;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Lists the prefixes homed here (node administrators only). */
  listPrefixes(identity: Identity | null, paging: Paging): Listing {
    this.requireNodeAdmin(identity);
    const totalCount = this.store.countPrefixes();
    const window = this.window(paging);
    const limit = window === null ? Math.max(totalCount, 1) : window.pageSize;
    const offset = window === null ? 0 : window.page * window.pageSize;
    return { totalCount, page: limit === 0 || offset >= totalCount ? [] : this.store.listPrefixes(limit, offset), paging: window };
  }

  /** Homes a prefix (idempotent). Node administrators only. */
  async home(identity: Identity | null, prefixText: string): Promise<string> {
    this.requireNodeAdmin(identity);
    const prefix = prefixFromText(prefixText);
    const command: HomeCommand = { prefixKey: prefixKeyOf(prefix), prefix, nowMs: this.options.nowMs() };
    await this.writes.run('prefixes.home', command);
    return prefix;
  }

  /**
   * Unhomes a prefix; its handles stay stored but no new ones are accepted. Like homing, idempotent: a prefix that is
   * not homed is answered with success too, as Handle.net's unhome just clears the flag. Node administrators only.
   */
  async unhome(identity: Identity | null, prefixText: string): Promise<string> {
    this.requireNodeAdmin(identity);
    const prefix = prefixFromText(prefixText);
    if (prefixKeyOf(prefix) === prefixKeyOf(this.options.nodePrefix)) {
      throw new IdnodeError('INSUFFICIENT_PERMISSIONS', "the node's own prefix cannot be unhomed");
    }
    const command: UnhomeCommand = { prefixKey: prefixKeyOf(prefix), nowMs: this.options.nowMs() };
    await this.writes.run('prefixes.unhome', command);
    return prefix;
  }

  private requireNodeAdmin(identity: Identity | null): void {
    if (identity === null) throw new IdnodeError('AUTHENTICATION_NEEDED', 'this operation needs credentials');
    if (!this.policy.isNodeAdmin(identity, this.lookup)) throw new IdnodeError('INSUFFICIENT_PERMISSIONS', 'only node administrators may do this');
  }

  /**
   * The page asked for, with the bounds held in every form (issue 17 item 9): neither parameter → the whole list;
   * `pageSize` alone → page 0; `page` alone, a negative value or a `pageSize` above IDNODE_LIST_MAX_PAGE_SIZE → 400.
   * (Handle.net answers everything for all of these: docs/handle-compatibility.md.) Throws BAD_REQUEST.
   */
  private window(paging: Paging): { page: number; pageSize: number } | null {
    const { page, pageSize } = paging;
    if (page === null && pageSize === null) return null;
    if (page !== null && page < 0) throw new IdnodeError('BAD_REQUEST', 'page must be 0 or more');
    if (pageSize === null) throw new IdnodeError('BAD_REQUEST', 'page needs pageSize');
    if (pageSize < 0 || pageSize > this.options.listMaxPageSize) {
      throw new IdnodeError('BAD_REQUEST', `pageSize must be from 0 to ${this.options.listMaxPageSize}`);
    }
    return { page: page ?? 0, pageSize };
  }
}
