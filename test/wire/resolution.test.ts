// OC_RESOLUTION and OC_GET_SITE_INFO over TCP and UDP against a real listener: values, filters, not-found, referrals, site.

import { createPublicKey, verify } from 'node:crypto';
import test from 'ava';
import { decodeSite } from '../../src/identifier/site-binary.js';
import { startWireNode } from '../support/wire-node.js';
import { body, DEFAULT_FLAGS, errorMessage, F, OC, resolution, send, type Transport } from '../support/wire-client.js';

const TRANSPORTS: Transport[] = ['tcp', 'udp'];

for (const transport of TRANSPORTS) {
  test(`resolution (${transport}): the values of a registered handle, as REST stores them`, async (t) => {
    const { node, target } = await startWireNode(t);
    await node.put('/api/handles/88.118/PUMP-1', [
      { index: 1, type: 'URL', data: 'https://trace.example.cn/p/1' },
      { index: 2, type: 'EMAIL', data: 'service@example.cn', ttl: 600 },
      { index: 3, type: 'SECRET', data: 'not for everyone', permissions: '1100' },
    ]);
    const [answer] = await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution('88.118/pump-1') });
    t.is(answer?.responseCode, 1);
    t.is(answer?.opCode, OC.RESOLUTION);
    t.is(answer?.flags ?? 0, (DEFAULT_FLAGS | F.AUTH) >>> 0, 'flags of the request, authoritative');
    const result = resolution(answer!);
    t.is(result.handle, '88.118/pump-1', 'the handle as the request spelled it');
    t.deepEqual(
      result.values.map((v) => [v.index, v.type, v.data.toString(), v.ttl, v.permissions]),
      [
        [1, 'URL', 'https://trace.example.cn/p/1', 86_400, 0x0e],
        [2, 'EMAIL', 'service@example.cn', 600, 0x0e],
      ],
      'only publicly readable values',
    );
    t.is(result.values[0]?.timestamp, Math.floor(node.clock.ms / 1000));
  });

  test(`resolution (${transport}): index and type filters, values not found, handle not found`, async (t) => {
    const { node, target } = await startWireNode(t);
    await node.put('/api/handles/88.118/F', [
      { index: 1, type: 'URL', data: 'https://a.example.cn' },
      { index: 2, type: 'URL.METADATA', data: 'https://m.example.cn' },
      { index: 7, type: 'EMAIL', data: 'x@example.cn' },
    ]);
    const ask = async (indexes: number[], types: string[]) => (await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution('88.118/F', indexes, types) }))[0]!;
    t.deepEqual(resolution(await ask([7], [])).values.map((v) => v.index), [7]);
    t.deepEqual(resolution(await ask([], ['URL'])).values.map((v) => v.index), [1]);
    t.deepEqual(resolution(await ask([7], ['URL.'])).values.map((v) => v.index), [1, 2, 7]);
    t.is((await ask([99], [])).responseCode, 200, 'RC_VALUES_NOT_FOUND');
    const missing = (await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution('88.118/NOPE') }))[0]!;
    t.is(missing.responseCode, 100, 'RC_HANDLE_NOT_FOUND');
    const invalid = (await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution('88.118/') }))[0]!;
    t.is(invalid.responseCode, 102, 'RC_INVALID_HANDLE');
    t.regex(errorMessage(invalid), /suffix is empty/);
  });

  test(`resolution (${transport}): a slash-less prefix is its 0.NA record; a derived prefix stored elsewhere is a 303 referral`, async (t) => {
    const { node, target } = await startWireNode(t);
    const site = { servers: [{ serverId: 1, address: '192.0.2.8', interfaces: [{ query: true, admin: true, protocol: 'TCP', port: 2641 }] }] };
    await node.put('/api/handles/0.NA/88.118.8', [{ index: 2, type: 'HS_SITE.PREFIX', data: { format: 'site', value: site } }]);
    const record = (await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution('88.118.8') }))[0]!;
    t.is(record.responseCode, 1);
    t.true(resolution(record).values.some((v) => v.type === 'HS_SITE.PREFIX'));
    const referral = (await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution('0.NA/88.118.8.1') }))[0]!;
    t.is(referral.responseCode, 303, 'RC_PREFIX_REFERRAL');
    const referred = resolution(referral);
    t.is(referred.handle, '', 'a prefix referral names no handle (ServiceReferralResponse)');
    t.deepEqual(referred.values.map((v) => v.type), ['HS_SITE.PREFIX']);
    t.like(decodeSite(referred.values[0]!.data)?.servers, [{ address: '192.0.2.8' }]);
    const asked = (await send(target, transport, { opCode: OC.RESOLUTION, flags: DEFAULT_FLAGS | F.DNRF, body: body.resolution('0.NA/88.118.8.1') }))[0]!;
    t.is(asked.responseCode, 100, 'doNotRefer: not found instead');
  });

  test(`site info (${transport}): this node's HS_SITE with its TCP, UDP and HTTP interfaces and key`, async (t) => {
    const { node, target, wire } = await startWireNode(t);
    const [answer] = await send(target, transport, { opCode: OC.GET_SITE_INFO, body: body.handle('/') });
    t.is(answer?.responseCode, 1);
    const site = decodeSite(answer!.body);
    const rest = (await node.get('/api/site')).json.site;
    t.deepEqual(site?.servers, rest.servers);
    t.like(site, { protocolVersion: '2.11', primarySite: true, serialNumber: 1 });
    t.deepEqual((rest.servers[0].interfaces as unknown[]).slice(0, 2), [
      { query: true, admin: true, protocol: 'TCP', port: wire.port },
      { query: true, admin: false, protocol: 'UDP', port: wire.port },
    ]);
    t.is(answer?.siteInfoSerial, 1);
  });

  test(`certify (${transport}): the answer is signed with the key of the node's HS_SITE`, async (t) => {
    const { node, target } = await startWireNode(t);
    await node.register(t, '88.118/SIGNED');
    const [answer] = await send(target, transport, { opCode: OC.RESOLUTION, flags: DEFAULT_FLAGS | F.CERT, body: body.resolution('88.118/SIGNED') });
    t.is(answer?.responseCode, 1);
    t.true((answer!.flags & F.CERT) !== 0);
    // AbstractMessage.signMessage: versions, suggested versions, session id, request id, counter, then header and body.
    const prefix = Buffer.alloc(16);
    prefix.set([2, 11, 2, 11]);
    prefix.writeInt32BE(answer!.sessionId, 4);
    prefix.writeInt32BE(answer!.requestId, 8);
    const signature = answer!.signature;
    // version, reserved, flags, empty signer handle, counter, then "HS_SIGNED", the section length, hash name, signature.
    t.is(signature.subarray(16, 25).toString(), 'HS_SIGNED');
    const algLength = signature.readInt32BE(29);
    t.is(signature.subarray(33, 33 + algLength).toString(), 'SHA-256');
    const sigBytes = signature.subarray(33 + algLength + 4);
    const key = createPublicKey({ key: (await node.get('/api/site')).json.site.servers[0].publicKey.value, format: 'jwk' });
    t.true(verify('sha256', Buffer.concat([prefix, answer!.headerAndBody]), key, sigBytes));
  });
}

test('resolution: REST and the wire count under the same route, each under its protocol', async (t) => {
  const { node, target } = await startWireNode(t);
  await node.register(t, '88.118/M');
  for (const transport of TRANSPORTS) await send(target, transport, { opCode: OC.RESOLUTION, body: body.resolution('88.118/M') });
  await send(target, 'udp', { opCode: OC.RESOLUTION, body: body.resolution('88.118/NONE') });
  await node.get('/api/handles/88.118/M');
  t.is(await node.metric('idnode_http_requests_total{route="handles.get",status_class="2xx",protocol="tcp"}'), 1);
  t.is(await node.metric('idnode_http_requests_total{route="handles.get",status_class="2xx",protocol="udp"}'), 1);
  t.is(await node.metric('idnode_http_requests_total{route="handles.get",status_class="4xx",protocol="udp"}'), 1);
  t.is(await node.metric('idnode_http_requests_total{route="handles.get",status_class="2xx",protocol="http"}'), 1);
  t.is(await node.metric('idnode_resolutions_total{outcome="cache_hit"}'), 2, 'one cache serves both');
});
