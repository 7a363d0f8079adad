// The process logger (pino): structured JSON lines on stdout; the one place pino is imported.

import { pino, type DestinationStream } from 'pino';

export interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/**
 * A JSON-lines logger at `level` ('silent' logs nothing), writing to stdout unless `destination` is given.
 * Logging never throws: if serializing `object` fails, the line is written with the serializer's complaint instead,
 * so an odd error object can never turn an answer into a crash.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const logger = destination === undefined ? pino({ level, base: { service: 'idnode' } }) : pino({ level, base: { service: 'idnode' } }, destination);
  const safe =
    (write: (object: object, message?: string) => void) =>
    (object: object, message?: string): void => {
      try {
        write(object, message);
      } catch (error) {
        try {
          write({ logFailure: String(error) }, message);
        } catch {
          // Nothing sensible is left to do; the request still gets its answer.
        }
      }
    };
  return { info: safe(logger.info.bind(logger)), warn: safe(logger.warn.bind(logger)), error: safe(logger.error.bind(logger)) };
}
