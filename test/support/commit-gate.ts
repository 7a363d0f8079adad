// A gate the writer thread's COMMITs wait at while it is closed (WriterThreadData.commitGate), for the tests that show
// what is and is not visible before a COMMIT.

// ES2024's Atomics.waitAsync (in Node 20; the project's lib is ES2023).
const waitAsync = (Atomics as unknown as { waitAsync(cells: Int32Array, index: number, value: number): { async: boolean; value: Promise<string> | string } }).waitAsync;

/** Holds the writer thread's COMMITs while closed. */
export class CommitGate {
  readonly buffer = new SharedArrayBuffer(8);
  private readonly cells = new Int32Array(this.buffer);
  close(): void {
    Atomics.store(this.cells, 0, 1);
  }
  open(): void {
    Atomics.store(this.cells, 0, 0);
    Atomics.notify(this.cells, 0);
  }
  /**
   * Opens the gate when `t` ends, before the node's own teardown (registered earlier, run later): a test that fails
   * while the gate is closed would otherwise leave the writer thread waiting at it, and closing the node would wait
   * for that thread for ever — the test file hangs instead of reporting the failure.
   */
  openAtTeardown(t: { teardown(fn: () => void): void }): void {
    t.teardown(() => this.open());
  }

  /** Resolves once the thread is waiting at the gate with a transaction ready to commit. */
  async holding(): Promise<void> {
    const waited = waitAsync(this.cells, 1, 0);
    if (waited.async) await waited.value;
  }
}
