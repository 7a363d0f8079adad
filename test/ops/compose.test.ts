// The compose stack, checked without Docker: it parses, every file it mounts or builds from is in the repository,
// and the services find each other where the configuration files say.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { OPS, opsText, opsYaml } from './ops-files.js';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
}

interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = opsYaml<Compose>('docker-compose.yml');

/** A volume entry as source, target and whether the source is a path in the repository (a bind mount). */
function mount(entry: string): { source: string; target: string; bind: boolean } {
  const [source = '', target = ''] = entry.split(':');
  return { source, target, bind: source.startsWith('./') || source.startsWith('../') };
}

const mountsOf = (service: string) => (compose.services[service]?.volumes ?? []).map(mount);

test('ops compose: idnode, Prometheus and Grafana, images pinned, named volumes declared', (t) => {
  t.deepEqual(Object.keys(compose.services).sort(), ['grafana', 'idnode', 'prometheus']);
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.image !== undefined && service.build === undefined) t.regex(service.image, /^[\w./-]+:v?\d+\.\d+\.\d+$/, `${name} image is pinned to a version`);
    for (const each of (service.volumes ?? []).map(mount)) {
      if (!each.bind) t.true(each.source in compose.volumes, `${name}: volume ${each.source} is declared`);
    }
  }
});

test('ops compose: every file it mounts exists in the repository', (t) => {
  let checked = 0;
  for (const [name, service] of Object.entries(compose.services)) {
    for (const each of (service.volumes ?? []).map(mount)) {
      if (!each.bind) continue;
      t.true(existsSync(new URL(each.source, OPS)), `${name}: ${each.source}`);
      checked += 1;
    }
  }
  t.is(checked, 4);
});

test('ops compose: the image builds from files in the repository, and listens where Prometheus scrapes', (t) => {
  const build = compose.services.idnode?.build;
  t.truthy(build);
  const context = new URL(`${build?.context ?? ''}/`, OPS);
  const dockerfile = readFileSync(new URL(build?.dockerfile ?? '', context), 'utf8');
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((match) => (match[1] ?? '').trim().split(/\s+/).slice(0, -1));
  t.true(copied.length >= 4);
  for (const source of copied) t.true(existsSync(new URL(source, context)), `Dockerfile copies ${source}`);
  // What the runtime stage needs at run time: the migrations are read from schema/ beside dist/.
  t.regex(dockerfile, /COPY --from=build \/app\/schema schema/);
  t.regex(dockerfile, /^CMD \["node", "dist\/src\/cli\.js", "serve"\]$/m);
  const port = /IDNODE_PORT=(\d+)/.exec(dockerfile)?.[1];
  t.true(compose.services.idnode?.ports?.some((entry) => entry.endsWith(`:${port}`)));

  const prometheus = opsYaml<{ rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] }>('prometheus/prometheus.yml');
  const job = prometheus.scrape_configs.find((each) => each.job_name === 'idnode');
  t.deepEqual(job?.static_configs[0]?.targets, [`idnode:${port}`]);
});

test('ops compose: Prometheus gets its configuration and every rule file it names', (t) => {
  const targets = mountsOf('prometheus').map((each) => each.target);
  t.true(targets.includes('/etc/prometheus/prometheus.yml'));
  const prometheus = opsYaml<{ rule_files: string[] }>('prometheus/prometheus.yml');
  for (const file of prometheus.rule_files) {
    t.true(targets.includes(`/etc/prometheus/${file}`), `${file} is mounted beside prometheus.yml`);
    t.true(existsSync(new URL(`prometheus/${file}`, OPS)));
  }
});

test('ops compose: Grafana is provisioned with the Prometheus data source and the idnode dashboard', (t) => {
  const mounts = mountsOf('grafana');
  const provisioning = mounts.find((each) => each.target === '/etc/grafana/provisioning');
  t.is(provisioning?.source, './grafana/provisioning');
  const datasources = opsYaml<{ datasources: { type: string; url: string; isDefault: boolean }[] }>('grafana/provisioning/datasources/prometheus.yml').datasources;
  t.is(datasources[0]?.type, 'prometheus');
  t.is(datasources[0]?.url, 'http://prometheus:9090');
  t.true('prometheus' in compose.services);

  const providers = opsYaml<{ providers: { options: { path: string } }[] }>('grafana/provisioning/dashboards/idnode.yml').providers;
  const folder = providers[0]?.options.path;
  const dashboard = mounts.find((each) => each.source === './grafana/idnode.json');
  t.is(dashboard?.target, `${folder}/idnode.json`);
  t.is(compose.services.grafana?.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH, dashboard?.target);
  t.notThrows(() => JSON.parse(opsText('grafana/idnode.json')));
  t.true(existsSync(fileURLToPath(new URL('grafana/provisioning/dashboards/idnode.yml', OPS))));
});
