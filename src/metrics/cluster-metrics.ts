// prom-client's cluster aggregation: each worker's registry summed (or its node-wide gauges maxed) into one scrape.

import { AggregatorRegistry, type Registry } from 'prom-client';

/** In a worker: answers the primary's requests for this registry's metrics (prom-client's cluster messages). */
export function reportToPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // The constructor installs the listener of the primary's requests (once per process).
  new AggregatorRegistry();
}

/** In the primary: a function that asks every worker for its metrics and returns them as one exposition. */
export function clusterExposition(): () => Promise<string> {
  const aggregator = new AggregatorRegistry();
  return () => aggregator.clusterMetrics();
}
