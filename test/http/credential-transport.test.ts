// Credentials count only over TLS, from a trusted TLS-terminating proxy, or (by default) from loopback.

import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import test from 'ava';
import { ADMIN_IDENTITY, ADMIN_SECRET, basicAuth, startNode } from '../support/node-under-test.js';

const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);
const CERT = new URL('localhost-cert.pem', FIXTURES).pathname;
const KEY = new URL('localhost-key.pem', FIXTURES).pathname;
const VALUES = [{ index: 1, type: 'URL', data: 'https://example.cn/tls' }];

function httpsPut(port: number, path: string, body: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'PUT',
        ca: readFileSync(CERT),
        servername: 'localhost',
        headers: { 'content-type': 'application/json', authorization: basicAuth(ADMIN_IDENTITY, ADMIN_SECRET) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

test('transport: credentials over plain HTTP are ignored when loopback is not trusted, and nothing is written', async (t) => {
  const node = await startNode(t, { IDNODE_TRUST_LOOPBACK: 'false' });
  const reply = await node.put('/api/handles/88.118/PLAIN-1', VALUES);
  t.is(reply.status, 403);
  t.is(reply.json.responseCode, 402);
  t.is(reply.headers['www-authenticate'], undefined);
  t.is((await node.get('/api/handles/88.118/PLAIN-1')).status, 404);
});

test('transport: a trusted proxy saying X-Forwarded-Proto https makes credentials count; http does not', async (t) => {
  const node = await startNode(t, { IDNODE_TRUST_LOOPBACK: 'false', IDNODE_TRUSTED_PROXIES: '127.0.0.1' });
  const viaHttp = await node.put('/api/handles/88.118/PROXY-1', VALUES, { headers: { 'x-forwarded-proto': 'http' } });
  t.is(viaHttp.status, 403);
  const viaHttps = await node.put('/api/handles/88.118/PROXY-1', VALUES, { headers: { 'x-forwarded-proto': 'https' } });
  t.is(viaHttps.status, 201);
});

test('transport: an untrusted address cannot forge X-Forwarded-Proto', async (t) => {
  const node = await startNode(t, { IDNODE_TRUST_LOOPBACK: 'false', IDNODE_TRUSTED_PROXIES: '10.0.0.0/8' });
  const reply = await node.put('/api/handles/88.118/FORGED-1', VALUES, { headers: { 'x-forwarded-proto': 'https' } });
  t.is(reply.status, 403);
});

test('transport: with a certificate and key the node serves HTTPS and credentials over TLS count', async (t) => {
  const node = await startNode(t, { IDNODE_TRUST_LOOPBACK: 'false', IDNODE_TLS_CERT_PATH: CERT, IDNODE_TLS_KEY_PATH: KEY });
  const reply = await httpsPut(node.port, '/api/handles/88.118/TLS-1', VALUES);
  t.is(reply.status, 201);
  t.deepEqual(reply.json, { responseCode: 1, handle: '88.118/TLS-1' });
  t.is(node.node.store.getRecord('88.118/TLS-1')?.values[0]?.data.value, 'https://example.cn/tls');
});
