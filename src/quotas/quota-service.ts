// Quotas (IDIS codes 603, 604, 605): requests per day per account or identity, handles per prefix, prefixes per enterprise.

import { IdnodeError } from '../errors.js';
import type { QuotaRows } from '../store/quotas.js';
import type { WriteChannel } from '../store/write-channel.js';

export interface QuotaOptions {
  /** Requests per day per subject; 0 = no cap. */
  readonly dailyRequests: number;
  /** Handles per prefix; 0 = no cap. */
  readonly handlesPerPrefix: number;
  /** Prefixes per enterprise; 0 = no cap. */
  readonly prefixesPerEnterprise: number;
  readonly nowMs: () => number;
  /** Where the counts are saved: the writer thread (command `quotas.save`); absent, this thread's connection at once. */
  readonly writes?: WriteChannel;
}

/** The argument of the command `quotas.save`: plain data (it crosses to the writer thread). */
export interface QuotaSave {
  readonly day: number;
  /** Requests counted per subject since the last save. */
  readonly increments: readonly (readonly [string, number])[];
  readonly keepFrom: number;
}

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** Subjects counted in memory at once; beyond it the counts are saved and forgotten (they are read back when needed). */
const MAX_SUBJECTS = 100_000;
/** Days of counts kept in the store. */
const KEEP_DAYS = 7;

/** Days since 1970-01-01 in Asia/Shanghai (UTC+8, no daylight saving). */
function dayOf(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/**
 * Daily request counts live in memory and are saved to the store every second (and on close), so they survive a
 * restart; a crash loses at most the last second of counts. The other two quotas are checked against counts the store
 * keeps exactly (handle counts per prefix, an enterprise's prefixes) inside the write that would exceed them.
 */
export class QuotaService {
  private day: number;
  /** Each subject's count today as this process knows it: the store's at the last read or save, plus its own since. */
  private readonly counts = new Map<string, number>();
  /** Requests counted here since the last save, added to the store's count at the next (other processes add theirs). */
  private readonly unsaved = new Map<string, number>();

  constructor(
    private readonly rows: QuotaRows,
    private readonly options: QuotaOptions,
  ) {
    this.day = dayOf(options.nowMs());
  }

  /**
   * Counts one request of `subject` (`account:<id>` or `identity:<index:handle key>`). Throws REQUEST_LIMIT_DAILY with
   * Retry-After until the next midnight in Asia/Shanghai once the day's cap is reached (the refused request counts not).
   */
  chargeRequest(subject: string): void {
    const cap = this.options.dailyRequests;
    if (cap <= 0) return;
    const nowMs = this.options.nowMs();
    const today = dayOf(nowMs);
    if (today !== this.day) {
      this.flush();
      this.counts.clear();
      this.day = today;
    }
    const count = this.counts.get(subject) ?? this.rows.count(subject, today);
    if (count >= cap) {
      const retryAfterSeconds = Math.max(1, Math.ceil(((today + 1) * DAY_MS - SHANGHAI_OFFSET_MS - nowMs) / 1000));
      throw new IdnodeError('REQUEST_LIMIT_DAILY', `超过每日请求数量限额 (${cap})`, { retryAfterSeconds });
    }
    if (!this.counts.has(subject) && this.counts.size >= MAX_SUBJECTS) {
      this.flush();
      this.counts.clear();
    }
    this.counts.set(subject, count + 1);
    this.unsaved.set(subject, (this.unsaved.get(subject) ?? 0) + 1);
  }

  /** True when handles per prefix are capped (else their count need not be read). */
  get capsHandles(): boolean {
    return this.options.handlesPerPrefix > 0;
  }

  /** Inside the write that would create a handle under a prefix holding `handles` already. Throws REGISTER_COUNT_LIMIT. */
  checkHandleCount(prefix: string, handles: number): void {
    const cap = this.options.handlesPerPrefix;
    if (cap > 0 && handles >= cap) throw new IdnodeError('REGISTER_COUNT_LIMIT', `prefix ${prefix} holds ${handles} handles, its quota is ${cap}`);
  }

  /** Inside the write that would give an enterprise holding `prefixes` one more. Throws PREFIX_LIMIT. */
  checkPrefixCount(prefixes: number): void {
    const cap = this.options.prefixesPerEnterprise;
    if (cap > 0 && prefixes >= cap) throw new IdnodeError('PREFIX_LIMIT', `超过企业前缀数量限额 (${cap})`);
  }

  /**
   * Adds the requests counted since the last save to the store, and takes up what other processes added meanwhile:
   * on the writer thread when there is one (a save that fails is tried again at the next flush, while its day
   * lasts), else at once.
   */
  flush(): void {
    if (this.unsaved.size === 0) return;
    const day = this.day;
    const save: QuotaSave = { day, increments: [...this.unsaved], keepFrom: day - KEEP_DAYS };
    this.unsaved.clear();
    if (this.options.writes === undefined) {
      this.takeUp(day, this.rows.add(save.day, save.increments, save.keepFrom));
      return;
    }
    this.options.writes.run<[string, number][]>('quotas.save', save).then(
      (totals) => this.takeUp(day, totals),
      () => {
        if (this.day !== day) return;
        for (const [subject, increment] of save.increments) this.unsaved.set(subject, (this.unsaved.get(subject) ?? 0) + increment);
      },
    );
  }

  /** Inside the write of flush (the command `quotas.save`): each subject's new total. */
  saveInWrite(save: QuotaSave): [string, number][] {
    return this.rows.addInWrite(save.day, save.increments, save.keepFrom);
  }

  /** The store's totals after a save, plus what this process counted since (saved at the next flush). */
  private takeUp(day: number, totals: readonly (readonly [string, number])[]): void {
    if (this.day !== day) return;
    for (const [subject, total] of totals) this.counts.set(subject, total + (this.unsaved.get(subject) ?? 0));
  }
}
