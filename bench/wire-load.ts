// Load for the Handle-protocol scenarios: closed-loop clients over UDP (a socket each) or TCP (a kept-alive connection each).

import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { cpuSeconds } from './processes.js';
import type { LoadOptions, LoadResult, Phase, Scenario } from './scenarios.js';
import { comparable, ENVELOPE_BYTES, resolutionRequest, setRequestId } from './wire-messages.js';
import { HANDLE_ROUTE } from './data-set.js';

const UDP_TIMEOUT_MS = 1000;

/** The handle of a scenario request (its path, without the REST route). */
function handleOf(path: string): string {
  return path.slice(HANDLE_ROUTE.length);
}

/** One exchange's answer (envelope and message), reassembled from UDP packets or read from a TCP stream. */
type Transport = 'udp' | 'tcp';

interface Client {
  /** Sends `request` and calls back with the whole answer, or null after a UDP timeout. */
  exchange(request: Buffer, done: (answer: Buffer | null) => void): void;
  close(): void;
}

function udpClient(port: number): Promise<Client> {
  const socket = createSocket('udp4');
  let pending: { id: number; done: (answer: Buffer | null) => void; timer: NodeJS.Timeout; parts: Buffer[]; got: number } | null = null;
  socket.on('message', (packet: Buffer) => {
    if (pending === null || packet.length < ENVELOPE_BYTES || packet.readInt32BE(8) !== pending.id) return;
    pending.parts[packet.readInt32BE(12)] = packet.subarray(ENVELOPE_BYTES);
    pending.got += packet.length - ENVELOPE_BYTES;
    if (pending.got < packet.readInt32BE(16)) return;
    const { done, timer, parts } = pending;
    pending = null;
    clearTimeout(timer);
    done(Buffer.concat([packet.subarray(0, ENVELOPE_BYTES), ...parts]));
  });
  return new Promise((resolve) => {
    socket.bind(0, '127.0.0.1', () =>
      resolve({
        exchange(request, done) {
          const timer = setTimeout(() => {
            pending = null;
            done(null);
          }, UDP_TIMEOUT_MS);
          pending = { id: request.readInt32BE(8), done, timer, parts: [], got: 0 };
          socket.send(request, port, '127.0.0.1');
        },
        close: () => socket.close(),
      }),
    );
  });
}

function tcpClient(port: number): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  let buffered: Buffer = Buffer.alloc(0);
  let waiting: ((answer: Buffer | null) => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    if (buffered.length < ENVELOPE_BYTES) return;
    const size = ENVELOPE_BYTES + buffered.readInt32BE(16);
    if (buffered.length < size) return;
    const answer = buffered.subarray(0, size);
    buffered = buffered.subarray(size);
    const done = waiting;
    waiting = null;
    done?.(answer);
  });
  socket.on('error', () => waiting?.(null));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        exchange(request, done) {
          waiting = done;
          socket.write(request);
        },
        close: () => socket.destroy(),
      }),
    );
  });
}

const clientFor = (transport: Transport, port: number): Promise<Client> => (transport === 'udp' ? udpClient(port) : tcpClient(port));

/** One request of a scenario's `phase` sequence, answered by the server on `port` (for the check before measuring). */
export async function wireOnce(scenario: Scenario, transport: Transport, port: number): Promise<{ responseCode: number; comparable: Buffer }> {
  const client = await clientFor(transport, port);
  const request = resolutionRequest(handleOf(scenario.requests('check')().path), 1);
  const answer = await new Promise<Buffer | null>((resolve) => client.exchange(request, resolve));
  client.close();
  if (answer === null) return { responseCode: -1, comparable: Buffer.alloc(0) };
  return { responseCode: answer.readInt32BE(ENVELOPE_BYTES + 4), comparable: comparable(answer) };
}

/** Waits until the server on `port` answers a resolution over UDP (the wire baseline has no HTTP /readyz). */
export async function waitWireReady(scenario: Scenario, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await wireOnce(scenario, 'udp', port)).responseCode >= 0) return;
  }
  throw new Error(`nothing answered the Handle protocol on port ${port} within ${timeoutMs} ms`);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

/** Runs `options.connections` closed-loop clients of `scenario`'s `phase` sequence against `options.port` for `options.seconds`. */
export async function runWireLoad(scenario: Scenario, transport: Transport, phase: Phase, options: LoadOptions): Promise<LoadResult> {
  const next = scenario.requests(phase);
  const clients = await Promise.all(Array.from({ length: options.connections }, () => clientFor(transport, options.port)));
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let timeouts = 0;
  let requestId = 1;
  const statusCodes: Record<string, number> = {};
  const serverCpuBefore = cpuSeconds(options.pid);
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  const endAt = started + options.seconds * 1000;
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          const loop = (): void => {
            if (performance.now() >= endAt) return resolve();
            const request = resolutionRequest(handleOf(next().path), 0);
            setRequestId(request, (requestId = (requestId % 0x7ffffffe) + 1));
            const sentAt = performance.now();
            client.exchange(request, (answer) => {
              if (answer === null) timeouts += 1;
              else {
                if (count === latencies.length) {
                  const grown = new Float64Array(latencies.length * 2);
                  grown.set(latencies);
                  latencies = grown;
                }
                latencies[count++] = performance.now() - sentAt;
                const code = String(answer.readInt32BE(ENVELOPE_BYTES + 4));
                statusCodes[code] = (statusCodes[code] ?? 0) + 1;
              }
              loop();
            });
          };
          loop();
        }),
    ),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuAfter = cpuSeconds(options.pid);
  for (const client of clients) client.close();
  const serverCpu = serverCpuBefore === null || serverCpuAfter === null ? null : serverCpuAfter - serverCpuBefore;
  const sorted = latencies.subarray(0, count).sort();
  const mean = count === 0 ? 0 : sorted.reduce((sum, v) => sum + v, 0) / count;
  const round = (n: number): number => Math.round(n * 100) / 100;
  return {
    requestsPerSecond: count / wallSeconds,
    latencyMs: { mean: round(mean), p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), max: round(sorted[count - 1] ?? 0) },
    totalRequests: count + timeouts,
    durationSeconds: wallSeconds,
    errors: 0,
    timeouts,
    statusCodes,
    unexpected: count - (statusCodes[String(scenario.expectedStatus)] ?? 0),
    serverCpuMicrosPerRequest: serverCpu === null || count === 0 ? null : (serverCpu * 1e6) / count,
    serverCpuPercent: serverCpu === null ? null : (100 * serverCpu) / wallSeconds,
    clientCpuPercent: (clientCpu.user + clientCpu.system) / 1e4 / wallSeconds,
  };
}
