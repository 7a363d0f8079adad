// The Grafana dashboard: a panel for each figure the operators asked for, laid out without overlaps, all on the
// data-source variable so it works with whatever Prometheus it is imported against.

import test from 'ava';
import { allPanels, dashboard } from './ops-files.js';

const board = dashboard();
const panels = allPanels(board);

test('ops dashboard: one panel for each figure operators watch', (t) => {
  const titles = panels.map((panel) => panel.title.toLowerCase());
  for (const wanted of ['resolutions/s by outcome', 'cache hit ratio', 'latency p50 by route', 'latency p99 by route', 'registrations', 'errors/s by code', '429', 'store size', 'disk available', 'event-loop delay', 'handle sessions', 'outbox depth']) {
    t.true(titles.some((title) => title.includes(wanted)), wanted);
  }
  const store = panels.find((panel) => panel.title === 'Store size');
  t.true(store?.targets?.some((target) => target.expr.includes('idnode_store_wal_bytes')), 'WAL size is on the store panel');
});

test('ops dashboard: unique ids, every query on the data-source variable, no panel overlapping another', (t) => {
  t.is(board.uid, 'idnode');
  t.is(new Set(panels.map((panel) => panel.id)).size, panels.length);
  t.true(board.templating.list.some((variable) => variable.name === 'datasource' && variable.type === 'datasource'));
  for (const panel of panels) {
    if ((panel.targets ?? []).length > 0) t.is(panel.datasource?.uid, '${datasource}', panel.title);
    const { x, y, w, h } = panel.gridPos;
    t.true(x >= 0 && w > 0 && x + w <= 24 && h > 0, panel.title);
  }
  const cells = new Map<string, string>();
  for (const panel of panels) {
    const { x, y, w, h } = panel.gridPos;
    for (let row = y; row < y + h; row += 1) {
      for (let column = x; column < x + w; column += 1) {
        const key = `${row}:${column}`;
        t.false(cells.has(key), `${panel.title} overlaps ${cells.get(key) ?? ''}`);
        cells.set(key, panel.title);
      }
    }
  }
});
