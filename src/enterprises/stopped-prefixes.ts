// The prefixes whose identifiers neither register nor resolve (state 0 disabled or 2 pending deletion), kept in memory.

/**
 * Read from the store at start and again after every change of a prefix's state (and after writes by another process),
 * so the resolve path asks a Set, usually empty, instead of the store.
 */
export class StoppedPrefixes {
  private keys: ReadonlySet<string> = new Set();

  constructor(private readonly load: () => readonly string[]) {
    this.reload();
  }

  has(prefixKey: string): boolean {
    return this.keys.size > 0 && this.keys.has(prefixKey);
  }

  reload(): void {
    this.keys = new Set(this.load());
  }
}
