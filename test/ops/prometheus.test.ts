// The alert rules and the Prometheus configuration: promtool's checks and unit tests, and what every rule carries.

import { fileURLToPath } from 'node:url';
import test from 'ava';
import { alertRules, OPS, opsYaml } from './ops-files.js';
import { run, testWith } from './tools.js';

const prometheus = fileURLToPath(new URL('prometheus/', OPS));
const promtool = testWith('promtool', 'apt-get install prometheus');

promtool.run(`ops: promtool check rules and check config accept alerts.yml and prometheus.yml${promtool.note}`, (t) => {
  const rules = run('promtool', ['check', 'rules', 'alerts.yml'], prometheus);
  t.is(rules.status, 0, rules.output);
  t.regex(rules.output, /SUCCESS: \d+ rules found/);
  const config = run('promtool', ['check', 'config', 'prometheus.yml'], prometheus);
  t.is(config.status, 0, config.output);
});

promtool.run(`ops: promtool test rules passes alerts.test.yml${promtool.note}`, (t) => {
  const result = run('promtool', ['test', 'rules', 'alerts.test.yml'], prometheus);
  t.is(result.status, 0, result.output);
  t.regex(result.output, /SUCCESS/);
});

interface RuleTests {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

test('ops: every alert has a severity, a summary, and a promtool case where it fires', (t) => {
  const rules = alertRules();
  t.true(rules.length >= 7);
  const firing = new Set(
    opsYaml<RuleTests>('prometheus/alerts.test.yml')
      .tests.flatMap((each) => each.alert_rule_test ?? [])
      .filter((each) => each.exp_alerts.length > 0)
      .map((each) => each.alertname),
  );
  for (const rule of rules) {
    t.true(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert} severity`);
    t.true(firing.has(rule.alert), `${rule.alert} has a firing case in alerts.test.yml`);
    t.regex(rule.expr, /job="idnode"/, `${rule.alert} selects the idnode job`);
  }
  for (const wanted of ['IdnodeDown', 'IdnodeHigh5xxRatio', 'IdnodeResolveP99OverSLO', 'IdnodeCacheHitRatioCollapse', 'IdnodeStoreNearCap', 'IdnodeSustained429s', 'IdnodeDiskFilling']) {
    t.true(rules.some((rule) => rule.alert === wanted), wanted);
  }
});
