// The systemd unit: systemd-analyze finds nothing to complain about, and its sandboxing keeps the exposure low.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { OPS } from './ops-files.js';
import { run, testWith } from './tools.js';

const UNIT = fileURLToPath(new URL('systemd/idnode.service', OPS));
const analyze = testWith('systemd-analyze', 'apt-get install systemd');

analyze.run(`ops: systemd-analyze verify accepts idnode.service and security rates its exposure at most 2.0${analyze.note}`, (t) => {
  // verify checks that ExecStart's program exists: point it at this machine's node, wherever it is installed.
  const dir = mkdtempSync(join(tmpdir(), 'idnode-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const unit = join(dir, 'idnode.service');
  writeFileSync(unit, readFileSync(UNIT, 'utf8').replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  const verify = run('systemd-analyze', ['verify', unit]);
  t.is(verify.status, 0, verify.output);
  t.is(verify.output.trim(), '', 'no warning (unknown keys and bad values are only warnings)');
  // The threshold is in tenths: 20 = an overall exposure of 2.0 ("OK").
  const security = run('systemd-analyze', ['security', '--offline=true', '--threshold=20', unit]);
  t.is(security.status, 0, security.output.split('\n').filter((line) => line.startsWith('✗') || line.startsWith('→')).join('\n'));
});

test('ops: the unit keeps the hardening options and stops gracefully', (t) => {
  const unit = readFileSync(UNIT, 'utf8');
  for (const option of [
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'CapabilityBoundingSet=\n',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    'SystemCallFilter=@system-service',
    'StateDirectory=idnode',
    'KillSignal=SIGTERM',
  ]) {
    t.true(unit.includes(option), option);
  }
  t.false(/^MemoryDenyWriteExecute=yes/m.test(unit), 'V8 needs writable executable memory');
  const shutdown = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
  t.true(shutdown * 1000 > 10_000, 'longer than the default IDNODE_SHUTDOWN_TIMEOUT_MS');
});
