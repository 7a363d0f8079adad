// The import's progress for the operator on standard error: a bar with count, rate and ETA on a terminal (cli-progress),
// a plain line every few seconds otherwise (logs, CI, a pipe).

import { Presets, SingleBar } from 'cli-progress';
import type { ImportProgress } from './import.js';

export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream;
  /** Seconds between plain lines when the stream is not a terminal. */
  readonly plainEverySeconds: number;
  readonly nowMs: () => number;
}

const number = (n: number): string => Math.round(n).toLocaleString('en-US');

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const whole = Math.round(s);
  return whole >= 3600 ? `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m` : whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

/** A progress reporter for one import: `update` after every batch, `stop` at the end. */
export function importProgress(options: ProgressOptions): { update(progress: ImportProgress): void; stop(progress: ImportProgress): void } {
  const started = options.nowMs();
  let first: ImportProgress | null = null;
  let lastPlain = started;
  const figures = (p: ImportProgress): { rate: number; eta: string } => {
    const elapsed = (options.nowMs() - started) / 1000;
    const base = first ?? p;
    const rate = elapsed > 0 ? (p.loaded + p.rejected - base.loaded - base.rejected) / elapsed : 0;
    const byteRate = elapsed > 0 ? (p.bytesDone - base.bytesDone) / elapsed : 0;
    return { rate, eta: seconds(byteRate > 0 ? (p.bytesTotal - p.bytesDone) / byteRate : Number.POSITIVE_INFINITY) };
  };
  if (options.stream.isTTY) {
    const bar = new SingleBar(
      { stream: options.stream, format: '{bar} {percentage}% | {loaded} loaded, {rejected} rejected | {rate} ids/s | ETA {remaining}', hideCursor: true, fps: 5 },
      Presets.shades_classic,
    );
    return {
      update(p) {
        first ??= p;
        const { rate, eta } = figures(p);
        if (!bar.isActive) bar.start(p.bytesTotal, p.bytesDone, { loaded: number(p.loaded), rejected: number(p.rejected), rate: number(rate), remaining: eta });
        else bar.update(p.bytesDone, { loaded: number(p.loaded), rejected: number(p.rejected), rate: number(rate), remaining: eta });
      },
      stop(p) {
        this.update(p);
        bar.stop();
      },
    };
  }
  const line = (p: ImportProgress): void => {
    const { rate, eta } = figures(p);
    const percent = p.bytesTotal === 0 ? 100 : Math.floor((p.bytesDone / p.bytesTotal) * 100);
    options.stream.write(`import: ${percent}% ${number(p.loaded)} loaded, ${number(p.rejected)} rejected, ${number(rate)} ids/s, ETA ${eta}\n`);
  };
  return {
    update(p) {
      first ??= p;
      const now = options.nowMs();
      if (now - lastPlain >= options.plainEverySeconds * 1000) {
        lastPlain = now;
        line(p);
      }
    },
    stop(p) {
      line(p);
    },
  };
}
