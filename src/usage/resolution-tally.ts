// Resolutions per prefix counted in memory between flushes to the store: the resolve path only increments a cell.

/** One prefix's resolutions since the last drain. The resolve cache keeps a reference in each entry it holds. */
export interface TallyCell {
  count: number;
}

/** The key under which resolutions of prefixes beyond the table's bound are counted: no prefix is empty. */
export const OTHER_PREFIXES = '';

/**
 * A bounded table of counter cells by canonical prefix. Cells live as long as the tally (a drain only zeroes them), so
 * a cached resolution carries its prefix's cell and a cache hit costs one increment — no lookup, no allocation. Only
 * resolutions that found a record are counted, so the prefixes are ones this store holds; past `maxPrefixes` the
 * rest share one cell (OTHER_PREFIXES).
 */
export class ResolutionTally {
  private readonly cells = new Map<string, TallyCell>();
  private readonly other: TallyCell = { count: 0 };

  constructor(private readonly maxPrefixes: number) {}

  /** The cell counting resolutions of identifiers under `prefixKey`. */
  cell(prefixKey: string): TallyCell {
    const found = this.cells.get(prefixKey);
    if (found !== undefined) return found;
    if (this.cells.size >= this.maxPrefixes) return this.other;
    const cell = { count: 0 };
    this.cells.set(prefixKey, cell);
    return cell;
  }

  /** Counts one resolution of an identifier under `prefixKey` (for answers not served from the cache). */
  resolved(prefixKey: string): void {
    this.cell(prefixKey).count += 1;
  }

  /** The counts since the last drain (prefixes with none left out), and zeroes them. */
  drain(): [string, number][] {
    const counts: [string, number][] = [];
    for (const [prefixKey, cell] of this.cells) {
      if (cell.count === 0) continue;
      counts.push([prefixKey, cell.count]);
      cell.count = 0;
    }
    if (this.other.count > 0) {
      counts.push([OTHER_PREFIXES, this.other.count]);
      this.other.count = 0;
    }
    return counts;
  }

  /** Puts back counts a failed flush could not store, so the next flush stores them. */
  restore(counts: readonly (readonly [string, number])[]): void {
    for (const [prefixKey, count] of counts) (prefixKey === OTHER_PREFIXES ? this.other : this.cell(prefixKey)).count += count;
  }
}
