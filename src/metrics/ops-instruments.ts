// The instruments the operators' dashboard and alert rules need beyond the request metrics (ops/, docs/operations.md).

import { Counter, Gauge, type Registry } from 'prom-client';
import { ERROR_CATALOG, type ErrorCode } from '../errors.js';

export interface OpsSources {
  /** The store's files now: WAL bytes, the size cap in force (0 = none), and the filesystem holding them. */
  readonly storeFiles: () => { walBytes: number; capBytes: number; diskAvailableBytes: number; diskSizeBytes: number };
  /** On PostgreSQL only (docs/scale-out.md): where reads went, and writes acknowledged without another process's answer. */
  readonly postgres?: {
    readonly reads: () => { readonly replica: number; readonly primary: number };
    readonly lateAnswers: () => number;
  };
}


/** Error answers by catalog code, and the gauges read at each scrape. Children are created up front. */
export class OpsInstruments {
  private readonly errors: Record<ErrorCode, Counter.Internal>;

  constructor(registry: Registry, sources: OpsSources) {
    const registers = [registry];
    const errors = new Counter({
      name: 'idnode_errors_total',
      help: 'Error answers by catalog code (src/errors.ts), whoever wrote them: routes, the rate-limit gate, the HTTP parser',
      labelNames: ['code'],
      registers,
    });
    this.errors = {} as Record<ErrorCode, Counter.Internal>;
    for (const code of Object.keys(ERROR_CATALOG) as ErrorCode[]) {
      this.errors[code] = errors.labels(code);
      // Every code is exposed at 0 from the start, so rates and alerts on any of them work before the first one.
      this.errors[code].inc(0);
    }
    const files = sources.storeFiles;
    new Gauge({
      name: 'idnode_store_wal_bytes',
      help: 'Size of the SQLite write-ahead log (included in idnode_store_size_bytes)',
      registers,
      aggregator: 'max',
      collect() {
        this.set(files().walBytes);
      },
    });
    new Gauge({
      name: 'idnode_store_max_bytes',
      help: 'Cap on the database size in force (IDNODE_STORE_MAX_BYTES, never below the size the store had at start); 0 = no cap but the disk',
      registers,
      aggregator: 'max',
      collect() {
        this.set(files().capBytes);
      },
    });
    new Gauge({
      name: 'idnode_store_disk_available_bytes',
      help: 'Bytes available to idnode on the filesystem holding the store',
      registers,
      aggregator: 'max',
      collect() {
        this.set(files().diskAvailableBytes);
      },
    });
    new Gauge({
      name: 'idnode_store_disk_size_bytes',
      help: 'Size of the filesystem holding the store',
      registers,
      aggregator: 'max',
      collect() {
        this.set(files().diskSizeBytes);
      },
    });
    // Counted where they happen; read at each scrape.
    const { postgres } = sources;
    if (postgres === undefined) return;
    new Counter({
      name: 'idnode_pg_reads_total',
      help: 'Reads of the registry on PostgreSQL by the member that answered: a read replica, or the primary (no replica, or none caught up with this process\'s writes)',
      labelNames: ['member'],
      registers,
      collect() {
        const reads = postgres.reads();
        this.reset();
        this.inc({ member: 'replica' }, reads.replica);
        this.inc({ member: 'primary' }, reads.primary);
      },
    });
    new Counter({
      name: 'idnode_pg_peer_late_total',
      help: 'Writes acknowledged without the answer of another idnode process over the database (it did not answer within the wait; docs/scale-out.md)',
      registers,
      collect() {
        this.reset();
        this.inc(postgres.lateAnswers());
      },
    });
  }

  /** Counts one error answer. */
  error(code: ErrorCode): void {
    this.errors[code].inc();
  }
}
