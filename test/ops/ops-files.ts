// Reads the operators' files under ops/ for the tests: the dashboard's and the alert rules' PromQL, and the metric
// names they select (parsed with Prometheus's own PromQL grammar, not by pattern).

import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

/** The repository root (tests run from dist/test/ops/). */
export const ROOT = new URL('../../../', import.meta.url);
export const OPS = new URL('ops/', ROOT);

export function opsText(path: string): string {
  return readFileSync(new URL(path, OPS), 'utf8');
}

export function opsYaml<T>(path: string): T {
  return parseYaml(opsText(path)) as T;
}

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly datasource?: { type: string; uid: string };
  readonly targets?: { expr: string; refId: string }[];
  readonly panels?: Panel[];
}

export interface Dashboard {
  readonly uid: string;
  readonly panels: Panel[];
  readonly templating: { list: { name: string; type: string; query: string | { query: string } }[] };
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
}

export function dashboard(): Dashboard {
  return JSON.parse(opsText('grafana/idnode.json')) as Dashboard;
}

/** Every panel, the ones inside collapsed rows included. */
export function allPanels(board: Dashboard): Panel[] {
  return board.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export function alertRules(): AlertRule[] {
  return opsYaml<{ groups: { rules: AlertRule[] }[] }>('prometheus/alerts.yml').groups.flatMap((group) => group.rules);
}

/** Grafana's variables replaced by values that keep the expression valid PromQL. */
function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$(\w+)/g, 'x');
}

/** The metric names an expression selects; throws when it is not valid PromQL. */
export function metricNames(expr: string): string[] {
  const text = withoutGrafanaVariables(expr);
  const names: string[] = [];
  let error: number | null = null;
  parser.parse(text).iterate({
    enter(node) {
      if (node.type.isError && error === null) error = node.from;
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.push(text.slice(node.from, node.to));
    },
  });
  if (error !== null) throw new Error(`not valid PromQL at ${error}: ${text}`);
  return names;
}

/** The metric a `label_values(metric{…}, label)` variable query reads. */
export function variableMetric(query: string): string | null {
  return /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(query)?.[1] ?? null;
}
