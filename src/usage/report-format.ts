// The monthly report as a table for a terminal and as CSV (docs/operations.md describes every figure).

import type { MonthlyReport, PrefixFigures } from './monthly-report.js';

const COLUMNS = ['identifiers', 'registered', 'updated', 'deleted', 'resolutions'] as const;

function prefixLabel(row: PrefixFigures): string {
  return row.prefix === '' ? '(other prefixes)' : row.prefix;
}

/** `d h m s` for a duration in ms, down to the second. */
export function durationText(ms: number): string {
  let seconds = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds >= size || parts.length > 0) parts.push(`${Math.floor(seconds / size)} ${unit}`);
    seconds %= size;
  }
  parts.push(`${seconds} s`);
  return parts.join(' ');
}

/** The availability as a percentage with three decimals (99.982), or null when nothing was observed. */
function percent(report: MonthlyReport): string | null {
  const { ratio } = report.availability;
  return ratio === null ? null : (Math.floor(ratio * 100_000) / 1000).toFixed(3);
}

/** Columns padded to their widest cell: text left-aligned, numbers right-aligned. Every cell here is ASCII. */
function aligned(rows: readonly (readonly string[])[], numericFrom: number): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column >= numericFrom ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd());
}

/** The report as a terminal table followed by the node-wide figures. */
export function reportTable(report: MonthlyReport): string {
  const rows = [
    ['prefix', 'enterprise', ...COLUMNS],
    ...report.prefixes.map((row) => [prefixLabel(row), row.enterprise ?? '—', ...COLUMNS.map((column) => String(row[column]))]),
    ['total', '', ...COLUMNS.map((column) => String(report.total[column]))],
  ];
  const { availability } = report;
  const shown = percent(report);
  const summary = [
    ['enterprises', String(report.enterprises)],
    ['active enterprises', `${report.activeEnterprises}  (registered, changed or deleted an identifier this month)`],
    ['availability', shown === null ? 'n/a  (no run of the node on record in this month)' : `${shown} %  (up ${durationText(availability.upMs)} of ${durationText(availability.observedMs)} observed)`],
    ['downtime', durationText(availability.observedMs - availability.upMs)],
    ['starts', String(availability.starts)],
    ['unclean stops', `${availability.uncleanStops}  (ended without a stop event; down from the last heartbeat)`],
  ];
  return [
    `idnode monthly report ${report.month} — node prefix ${report.nodePrefix}, days in UTC${report.utcOffset}`,
    '',
    ...aligned(rows, 2),
    '',
    ...aligned(summary, 2),
    '',
  ].join('\n');
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The report as CSV (RFC 4180, CRLF line ends): the per-prefix table with a total row, an empty line, then the
 * node-wide figures as `month,figure,value` rows.
 */
export function reportCsv(report: MonthlyReport): string {
  const { availability } = report;
  const lines = [
    ['month', 'prefix', 'enterprise', ...COLUMNS],
    ...report.prefixes.map((row) => [report.month, prefixLabel(row), row.enterprise ?? '', ...COLUMNS.map((column) => String(row[column]))]),
    [report.month, 'total', '', ...COLUMNS.map((column) => String(report.total[column]))],
    [],
    ['month', 'figure', 'value'],
    ...(
      [
        ['enterprises', report.enterprises],
        ['active_enterprises', report.activeEnterprises],
        ['availability_percent', percent(report) ?? ''],
        ['observed_seconds', Math.round(availability.observedMs / 1000)],
        ['downtime_seconds', Math.round((availability.observedMs - availability.upMs) / 1000)],
        ['starts', availability.starts],
        ['unclean_stops', availability.uncleanStops],
      ] as const
    ).map(([figure, value]) => [report.month, figure, String(value)]),
  ];
  return lines.map((line) => line.map(csvField).join(',')).join('\r\n') + '\r\n';
}
