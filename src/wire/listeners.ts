// The Handle-protocol listeners of a node: TCP and UDP on one port, started together and stopped gracefully together.

import type { Config } from '../config.js';
import type { WireDispatcher } from './dispatch.js';
import { listenTcp, type TcpListener } from './tcp-listener.js';
import { listenUdp, type UdpListener } from './udp-listener.js';

// Multi-packet UDP requests being reassembled: at most this many, holding this many octets, for this long.
const UDP_PENDING_MESSAGES = 1024;
const UDP_PENDING_BYTES = 16 * 1024 * 1024;
const UDP_REASSEMBLY_MS = 5000;
// UDP requests being answered at once (writes wait for the store): each holds its message until answered.
const UDP_MAX_IN_FLIGHT = 4096;
// With port 0, the UDP socket takes the port TCP was given; another process may hold it for UDP: try a few.
const FREE_PORT_ATTEMPTS = 8;

export interface WireListeners {
  readonly port: number;
  readonly tcp: TcpListener;
  readonly udp: UdpListener;
  /** Stops both; answers under way get up to `graceMs`. */
  close(graceMs: number): Promise<void>;
}

/**
 * Listens on `port` (0: a free port, the same for TCP and UDP) at `config.host`. Rejects (having closed whatever it
 * opened) when a port cannot be bound.
 */
export async function listenWire(dispatcher: WireDispatcher, config: Config, port: number, nowMs?: () => number): Promise<WireListeners> {
  const tcpOptions = { maxConnections: config.handleMaxConnections, maxMessageBytes: config.handleMaxMessageBytes, timeoutMs: config.handleTimeoutMs };
  const udpOptions = {
    maxMessageBytes: config.handleMaxMessageBytes,
    maxPendingMessages: UDP_PENDING_MESSAGES,
    maxPendingBytes: UDP_PENDING_BYTES,
    reassemblyMs: UDP_REASSEMBLY_MS,
    maxInFlight: UDP_MAX_IN_FLIGHT,
    ...(nowMs === undefined ? {} : { nowMs }),
  };
  for (let attempt = 1; ; attempt += 1) {
    const tcp = await listenTcp(dispatcher, config.host, port, tcpOptions);
    const address = tcp.server.address();
    const bound = typeof address === 'object' && address !== null ? address.port : port;
    let udp: UdpListener;
    try {
      udp = await listenUdp(dispatcher, config.host, bound, udpOptions);
    } catch (error) {
      await tcp.close(0);
      if (port === 0 && attempt < FREE_PORT_ATTEMPTS) continue;
      throw error;
    }
    return {
      port: bound,
      tcp,
      udp,
      close: async (graceMs) => {
        await Promise.all([tcp.close(graceMs), udp.close(graceMs)]);
      },
    };
  }
}
