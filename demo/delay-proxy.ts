// A TCP proxy on loopback that can hold back every answer by a delay: a slow upstream, made on demand.

import { connect, createServer, type Server, type Socket } from 'node:net';

export class DelayProxy {
  /** How long each chunk from the target waits before it is passed on (0: at once). */
  delayMs = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** A proxy on 127.0.0.1 (a free port) to 127.0.0.1:`targetPort`. */
  static start(targetPort: number): Promise<DelayProxy> {
    let proxy: DelayProxy | null = null;
    const server = createServer((client) => proxy?.pipe(client, targetPort));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        proxy = new DelayProxy(server, typeof address === 'object' && address !== null ? address.port : 0);
        resolve(proxy);
      });
    });
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private pipe(client: Socket, targetPort: number): void {
    const target = connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, target]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        target.destroy();
      });
    }
    client.on('data', (chunk) => target.write(chunk));
    client.on('end', () => target.end());
    // Chunks keep their order: each waits for the one before it.
    let last = Promise.resolve();
    target.on('data', (chunk) => {
      const delay = this.delayMs;
      last = last.then(() => (delay > 0 ? new Promise((resolve) => setTimeout(resolve, delay)) : undefined)).then(() => {
        if (!client.destroyed) client.write(chunk);
      });
    });
    target.on('end', () => void last.then(() => client.end()));
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
