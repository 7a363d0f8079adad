// What the blocking PostgreSQL connection (sync-client.ts) and its thread (sync-worker.ts) say to each other.

import type { MessagePort } from 'node:worker_threads';
import type { ErrorCode } from '../../errors.js';
import type { LocatorOptions } from './primary-locator.js';

export interface BridgeOptions extends LocatorOptions {
  /** The cluster's members (primary-locator.ts): the connection uses the writable one. */
  readonly url: string | readonly string[];
  /** Read replicas (IDNODE_PG_READ_URLS): replica-eligible reads go to one that has replayed this process's horizon. */
  readonly readUrls?: readonly string[];
}

export interface BridgeData {
  readonly port: MessagePort;
  /** One Int32: the thread adds 1 after each reply, so a caller blocked in Atomics.wait wakes. */
  readonly signal: SharedArrayBuffer;
  readonly options: BridgeOptions;
}

export type BridgeRequest =
  | { readonly seq: number; readonly op: 'open'; readonly migrate: boolean }
  | { readonly seq: number; readonly op: 'begin' | 'end'; readonly text: string }
  | { readonly seq: number; readonly op: 'query'; readonly text: string; readonly name?: string; readonly values: unknown[]; readonly replica?: boolean }
  /** A commit was made or heard of (read-replicas.ts); nobody waits for its answer. */
  | { readonly seq: number; readonly op: 'commits' }
  /** Replica-eligible reads so far: how many a replica served (rows[0]). */
  | { readonly seq: number; readonly op: 'stats' }
  | { readonly seq: number; readonly op: 'close' };

export type BridgeReply =
  | {
      readonly seq: number;
      readonly ok: true;
      readonly rows: Record<string, unknown>[];
      readonly rowCount: number;
      readonly inTransaction: boolean;
      /** From `open`: table → its identity column. */
      readonly identities?: Record<string, string>;
    }
  | {
      readonly seq: number;
      readonly ok: false;
      readonly code: ErrorCode;
      readonly message: string;
      readonly detail: string | undefined;
      readonly sqlState: string | undefined;
      readonly inTransaction: boolean;
    };
