// Every metric a dashboard panel or an alert rule names exists in the /metrics of a running node.

import test from 'ava';
import { startNode } from '../support/node-under-test.js';
import { alertRules, allPanels, dashboard, metricNames, variableMetric } from './ops-files.js';

/** Series Prometheus makes itself for each target (never in an exposition). */
const SYNTHESIZED = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** The sample names an exposition offers: each family, and a histogram's or summary's _bucket, _sum and _count. */
function exposed(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/gm)) {
    const [, name = '', type] = match;
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

test('ops: every metric named by a dashboard panel or an alert rule is in /metrics of a running node', async (t) => {
  const node = await startNode(t);
  const reply = await node.get('/metrics');
  t.is(reply.status, 200);
  const offered = exposed(reply.text);
  t.true(offered.has('idnode_resolutions_total'), 'the exposition parses');

  const named = new Map<string, string>();
  const board = dashboard();
  for (const panel of allPanels(board)) for (const target of panel.targets ?? []) for (const name of metricNames(target.expr)) named.set(name, `panel "${panel.title}"`);
  for (const variable of board.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
    const name = variable.type === 'query' ? variableMetric(query) : null;
    if (name !== null) named.set(name, `variable $${variable.name}`);
  }
  for (const rule of alertRules()) for (const name of metricNames(rule.expr)) named.set(name, `alert ${rule.alert}`);

  t.true(named.size >= 20, `the parser found the names (${named.size})`);
  const missing = [...named].filter(([name]) => !offered.has(name) && !SYNTHESIZED.has(name)).map(([name, where]) => `${name} (${where})`);
  t.deepEqual(missing, []);
});

test('ops: the metric-name extraction sees through functions, aggregations and offsets, and refuses broken PromQL', (t) => {
  t.deepEqual(
    metricNames('histogram_quantile(0.99, sum by (le) (rate(a_bucket{job=~"$job"}[$__rate_interval]))) / on (instance) b and absent(c) < 0.5 * d offset 1h'),
    ['a_bucket', 'b', 'c', 'd'],
  );
  t.throws(() => metricNames('sum(rate(a[5m])'));
});
