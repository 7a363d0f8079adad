// Times as the SNMS API writes them: `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai (UTC+8 all year).

import { IdnodeError } from '../errors.js';

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/;

/** Unix ms → `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai. */
export function shanghaiTime(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * `yyyy-MM-dd HH:mm:ss` or `yyyy-MM-dd` in Asia/Shanghai → Unix ms; a bare date means its first (or, with `endOfDay`,
 * its last) millisecond. Throws BAD_REQUEST naming `name` for anything else, or a date that does not exist.
 */
export function parseShanghaiTime(text: string, name: string, endOfDay = false): number {
  const match = TIME.exec(text);
  if (match === null) throw new IdnodeError('BAD_REQUEST', `${name} must be yyyy-MM-dd HH:mm:ss`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const dateOnly = match[4] === undefined;
  const [hour, minute, second] = dateOnly ? (endOfDay ? [23, 59, 59] : [0, 0, 0]) : [Number(match[4]), Number(match[5]), Number(match[6])];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCMonth() + 1 !== month || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new IdnodeError('BAD_REQUEST', `${name} is not a real time`);
  }
  return ms - SHANGHAI_OFFSET_MS + (dateOnly && endOfDay ? 999 : 0);
}
