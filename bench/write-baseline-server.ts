// The durable-write floor (issue 13 target 4): a bare node:http server that stores each PUT in its own SQLite
// transaction with synchronous=FULL — one COMMIT, one fsync per request — and answers like idnode's create.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Database from 'better-sqlite3';
import { createdBody, HANDLE_ROUTE } from './data-set.js';

const JSON_TYPE = 'application/json; charset=utf-8';

const path = process.env.BENCH_DB ?? '';
const port = Number(process.env.BENCH_PORT ?? '');
if (path === '' || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('write baseline: BENCH_DB (a file) and BENCH_PORT (a port) are required\n');
  process.exit(2);
}

// The durability idnode promises: WAL, synchronous=FULL, every acknowledged write committed first.
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS handles (handle TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID');
const insert = db.prepare('INSERT INTO handles (handle, record) VALUES (?, ?)');
const putOne = db.transaction((handle: string, record: string) => insert.run(handle, record));
const READY = Buffer.from('{"status":"ready"}');

function send(res: ServerResponse, status: number, body: Buffer): void {
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': body.length });
  res.end(body);
}

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url === '/readyz') {
    send(res, 200, READY);
    return;
  }
  if (req.method !== 'PUT' || !url.startsWith(HANDLE_ROUTE)) {
    send(res, 405, Buffer.alloc(0));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const handle = decodeURIComponent(url.slice(HANDLE_ROUTE.length));
    try {
      // Parsed (as idnode must) and stored as given: the cost here is the transaction, not the record's shape.
      const values = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      putOne.immediate(handle, JSON.stringify(values));
    } catch {
      send(res, 409, Buffer.alloc(0));
      return;
    }
    send(res, 201, Buffer.from(createdBody(handle)));
  });
});

server.listen(port, '127.0.0.1', () => process.stdout.write(`write baseline: one transaction per PUT into ${path}, listening on 127.0.0.1:${port}\n`));

function stop(): void {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
