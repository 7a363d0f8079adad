// The per-request instruments in typed arrays: the hot path adds to numbers, prom-client reads them only at a scrape.
//
// Issue 13: prom-client's labelled children hash their label object on every inc and observe, and the histogram keys
// its buckets by float (a number-to-string conversion per observation); profiled under load that was about a third of
// the JavaScript of a cached answer. The text a scrape gets is unchanged.

import { Counter, type Registry } from 'prom-client';

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

interface SeriesLabels {
  readonly route: string;
  readonly protocol: string;
}

interface ValuePair {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName: string;
}

/**
 * Requests by (route, protocol, status class) and their latency histogram by (route, protocol), for a closed set of
 * series fixed at construction. `record` is a few array writes.
 */
export class RequestTable {
  private readonly series: SeriesLabels[] = [];
  private readonly index = new Map<string, Map<string, number>>();
  private readonly statusCounts: Float64Array;
  /** Per series: one count per upper bound, then the count above the last (+Inf), not cumulative. */
  private readonly bucketCounts: Float64Array;
  private readonly sums: Float64Array;
  private readonly counts: Float64Array;

  constructor(
    registry: Registry,
    protocols: readonly string[],
    routes: readonly string[],
    private readonly bounds: readonly number[],
    names: { readonly requests: string; readonly requestsHelp: string; readonly latency: string; readonly latencyHelp: string },
  ) {
    for (const protocol of protocols) {
      const byRoute = new Map<string, number>();
      for (const route of routes) {
        byRoute.set(route, this.series.length);
        this.series.push({ route, protocol });
      }
      this.index.set(protocol, byRoute);
    }
    const n = this.series.length;
    this.statusCounts = new Float64Array(n * STATUS_CLASSES.length);
    this.bucketCounts = new Float64Array(n * (bounds.length + 1));
    this.sums = new Float64Array(n);
    this.counts = new Float64Array(n);
    const table = this;
    new Counter({
      name: names.requests,
      help: names.requestsHelp,
      labelNames: ['route', 'status_class', 'protocol'],
      registers: [registry],
      collect() {
        this.reset();
        table.series.forEach(({ route, protocol }, s) => {
          STATUS_CLASSES.forEach((statusClass, c) => this.inc({ route, status_class: statusClass, protocol }, table.statusCounts[s * STATUS_CLASSES.length + c] ?? 0));
        });
      },
    });
    registry.registerMetric(this.histogram(names.latency, names.latencyHelp) as unknown as Counter);
  }

  /** The series number of (protocol, route), or undefined outside the closed set. */
  seriesOf(protocol: string, route: string): number | undefined {
    return this.index.get(protocol)?.get(route);
  }

  /** Counts one request of series `s` with HTTP `status` that took `seconds`. */
  record(s: number, status: number, seconds: number): void {
    const statusClass = status < 200 ? 0 : status >= 500 ? 4 : Math.floor(status / 100) - 1;
    const { bounds, statusCounts, bucketCounts, sums, counts } = this;
    const c = s * STATUS_CLASSES.length + statusClass;
    statusCounts[c] = (statusCounts[c] ?? 0) + 1;
    let b = 0;
    while (b < bounds.length && seconds > (bounds[b] ?? 0)) b += 1;
    const at = s * (bounds.length + 1) + b;
    bucketCounts[at] = (bucketCounts[at] ?? 0) + 1;
    sums[s] = (sums[s] ?? 0) + seconds;
    counts[s] = (counts[s] ?? 0) + 1;
  }

  /** A prom-client metric object for the latency histogram: the series observed so far, as prom-client lays them out. */
  private histogram(name: string, help: string): object {
    const table = this;
    return {
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      get: () => {
        const values: ValuePair[] = [];
        table.series.forEach(({ route, protocol }, s) => {
          const count = table.counts[s] ?? 0;
          if (count === 0) return;
          let cumulative = 0;
          table.bounds.forEach((bound, b) => {
            cumulative += table.bucketCounts[s * (table.bounds.length + 1) + b] ?? 0;
            values.push({ labels: { le: bound, route, protocol }, value: cumulative, metricName: `${name}_bucket` });
          });
          values.push(
            { labels: { le: '+Inf', route, protocol }, value: count, metricName: `${name}_bucket` },
            { labels: { route, protocol }, value: table.sums[s] ?? 0, metricName: `${name}_sum` },
            { labels: { route, protocol }, value: count, metricName: `${name}_count` },
          );
        });
        return { name, help, type: 'histogram', values, aggregator: 'sum' };
      },
      reset: () => {
        table.bucketCounts.fill(0);
        table.sums.fill(0);
        table.counts.fill(0);
      },
    };
  }
}
