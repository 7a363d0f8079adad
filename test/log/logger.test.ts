// The logger never throws: an object its serializers cannot handle still gives one line, saying what went wrong.

import test from 'ava';
import { createLogger } from '../../src/log/logger.js';

function capture(): { lines: Array<Record<string, unknown>>; sink: { write(line: string): void } } {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, sink: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

test('logger: an error carrying a frozen error-like field is logged, not thrown', (t) => {
  const { lines, sink } = capture();
  const logger = createLogger('info', sink);
  const error = new Error('outer') as Error & { detail?: unknown };
  // pino's error serializer tags every error-like value it walks; a frozen one makes the tagging throw.
  error.detail = Object.freeze({ message: 'frozen', name: 'Frozen' });
  t.notThrows(() => logger.error({ err: error }, 'request failed'));
  t.is(lines.length, 1);
  t.is(lines[0]?.msg, 'request failed');
  const line = lines[0] ?? {};
  // Either the serializer coped, or the fallback line says why it could not.
  t.true(line.err !== undefined || typeof line.logFailure === 'string', JSON.stringify(line));
});

test('logger: lines below the level are dropped and the rest are JSON with the service name', (t) => {
  const { lines, sink } = capture();
  const logger = createLogger('warn', sink);
  logger.info({ a: 1 }, 'quiet');
  logger.warn({ b: 2 }, 'loud');
  t.is(lines.length, 1);
  t.is(lines[0]?.msg, 'loud');
  t.is(lines[0]?.service, 'idnode');
  t.is(lines[0]?.b, 2);
});
