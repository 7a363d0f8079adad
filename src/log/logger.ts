// The process logger (pino): structured JSON lines on stdout; the one place pino is imported.

import { pino } from 'pino';

export interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** A JSON-lines logger at `level` ('silent' logs nothing). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'idnode' } });
}
