// `idnode serve` with the Handle protocol on: listening on TCP and UDP, published in HS_SITE, stopped gracefully, and
// a start that cannot bind its port fails as a start that cannot bind the HTTP port does.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { httpCall, runCliAsync, serveEnv, startServe } from '../support/serve-process.js';
import { body, OC, send, sendKeptAlive } from '../support/wire-client.js';

function tempDb(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'idnode-wire-serve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'idnode.db');
}

test('serve: the Handle protocol answers on TCP and UDP, HS_SITE names its port, and SIGTERM stops both listeners', async (t) => {
  t.timeout(60_000);
  const node = await startServe(t, serveEnv(tempDb(t)));
  t.true(node.handlePort !== null && node.handlePort > 0, 'the log line names the Handle port');
  const target = { host: '127.0.0.1', port: node.handlePort ?? 0 };
  const put = await httpCall(node.port, 'PUT', '/api/handles/88.118/SERVED', { body: [{ index: 1, type: 'URL', data: 'https://s.example.cn' }] });
  t.is(put.status, 201);
  for (const transport of ['tcp', 'udp'] as const) {
    t.is((await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution('88.118/SERVED') }))[0]?.responseCode, 1, transport);
  }
  const site = JSON.parse((await httpCall(node.port, 'GET', '/api/site')).text).site;
  t.deepEqual(site.servers[0].interfaces.map((i: { protocol: string; port: number }) => `${i.protocol}:${i.port}`), [`TCP:${node.handlePort}`, `UDP:${node.handlePort}`, `HTTP:${node.port}`]);
  // An idle kept-alive Handle connection does not hold the stop.
  await sendKeptAlive(target, [{ opCode: OC.RESOLUTION, body: body.resolution('88.118/SERVED') }]);
  const exit = await node.kill('SIGTERM');
  t.is(exit.code, 0);
  await t.throwsAsync(send({ ...target, timeoutMs: 2000 }, 'tcp', { opCode: OC.RESOLUTION, body: body.resolution('88.118/SERVED') }));
});

test('serve: a Handle port already taken stops the start with its error, as a taken HTTP port does', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const taken = (blocker.address() as AddressInfo).port;
  const result = await runCliAsync(['serve'], serveEnv(tempDb(t), { IDNODE_HANDLE_PORT: String(taken) }));
  t.is(result.status, 1);
  t.regex(result.stderr, /EADDRINUSE/);
});
