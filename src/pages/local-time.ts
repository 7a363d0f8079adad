// Times as people read them: the node's local time zone, with its offset, from the ISO-8601 UTC times values carry.

const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/**
 * `2026-01-15 16:00 GMT+8` for `2026-01-15T08:00:00Z` in Asia/Shanghai: the same digits in either language, so a
 * page never depends on the locale data of the runtime. Null for a time that does not parse. Throws RangeError for
 * an unknown time zone (checked once at start).
 */
export function localTime(iso: string, timeZone: string): string | null {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return null;
  const parts: Record<string, string> = {};
  for (const part of formatOf(timeZone).formatToParts(ms)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName ?? ''}`.trim();
}

/** The time zone the node runs in (the TZ environment variable, else the system's). */
export function nodeTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
