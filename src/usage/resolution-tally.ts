// Resolutions per prefix counted in memory between flushes to the store: the resolve path only increments a cell.

/** A prefix's count since the last drain. */
interface Cell {
  count: number;
}

/** The key under which resolutions of prefixes beyond the table's bound are counted: no prefix is empty. */
export const OTHER_PREFIXES = '';

/**
 * A bounded table of counters by canonical prefix. Cells are kept across drains (a drain only zeroes them), so the
 * hot path is one Map lookup and an increment, with no allocation once a prefix has been seen. Only resolutions that
 * found a record are counted, so the prefixes are ones this store holds; past `maxPrefixes` the rest share one cell
 * (OTHER_PREFIXES) and `onFull` asks for an early flush.
 */
export class ResolutionTally {
  private readonly cells = new Map<string, Cell>();
  private readonly other: Cell = { count: 0 };

  constructor(
    private readonly maxPrefixes: number,
    private readonly onFull: () => void,
  ) {}

  /** Counts one resolution of an identifier under `prefixKey`. */
  resolved(prefixKey: string): void {
    const cell = this.cells.get(prefixKey);
    if (cell !== undefined) {
      cell.count += 1;
      return;
    }
    if (this.cells.size < this.maxPrefixes) {
      this.cells.set(prefixKey, { count: 1 });
      return;
    }
    if (this.other.count++ === 0) this.onFull();
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
    // A table that filled up starts afresh once drained: the prefixes seen most recently get cells again.
    if (this.cells.size >= this.maxPrefixes) this.cells.clear();
    return counts;
  }

  /** Puts back counts a failed flush could not store, so the next flush stores them. */
  restore(counts: readonly (readonly [string, number])[]): void {
    for (const [prefixKey, count] of counts) {
      const cell = prefixKey === OTHER_PREFIXES ? this.other : this.cells.get(prefixKey);
      if (cell !== undefined) cell.count += count;
      else if (this.cells.size < this.maxPrefixes) this.cells.set(prefixKey, { count });
      else this.other.count += count;
    }
  }
}
