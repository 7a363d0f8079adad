// One circuit breaker per peer origin: after enough consecutive failures calls to that peer are refused at once for a
// while, then one trial call decides whether it closes again (an injected clock; a bounded number of peers).

export interface CircuitBreakerOptions {
  /** Consecutive failures that open a circuit. */
  readonly failures: number;
  /** How long an open circuit refuses calls before it lets one trial through (half-open). */
  readonly openMs: number;
  readonly nowMs: () => number;
  /** Peers remembered; beyond it the longest-known closed one is forgotten. */
  readonly maxPeers?: number;
}

interface Circuit {
  failures: number;
  /** When it opened (ms), or null while closed. */
  openedAtMs: number | null;
  /** A half-open circuit's one trial call is under way. */
  trial: boolean;
}

export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();

  constructor(private readonly options: CircuitBreakerOptions) {}

  /**
   * Whether a call to `peer` may be made now: always while its circuit is closed; while open, once `openMs` has passed
   * since it opened and no other trial is under way (that call is the trial). Every admitted call must be followed by
   * succeeded() or failed().
   */
  admit(peer: string): boolean {
    const circuit = this.circuits.get(peer);
    if (circuit === undefined || circuit.openedAtMs === null) return true;
    if (circuit.trial || this.options.nowMs() - circuit.openedAtMs < this.options.openMs) return false;
    circuit.trial = true;
    return true;
  }

  /** The peer answered: its circuit closes. */
  succeeded(peer: string): void {
    this.circuits.delete(peer);
  }

  /** The peer failed: a failed trial opens the circuit again; enough failures in a row open it. */
  failed(peer: string): void {
    let circuit = this.circuits.get(peer);
    if (circuit === undefined) {
      if (this.circuits.size >= (this.options.maxPeers ?? 1024)) this.forgetOneClosed();
      circuit = { failures: 0, openedAtMs: null, trial: false };
      this.circuits.set(peer, circuit);
    }
    circuit.failures += 1;
    if (circuit.trial || circuit.failures >= this.options.failures) {
      circuit.openedAtMs = this.options.nowMs();
      circuit.trial = false;
    }
  }

  /** True while calls to `peer` are refused without trying. */
  isOpen(peer: string): boolean {
    return (this.circuits.get(peer)?.openedAtMs ?? null) !== null;
  }

  /** Circuits open now (for the gauge). */
  get openCount(): number {
    let open = 0;
    for (const circuit of this.circuits.values()) if (circuit.openedAtMs !== null) open += 1;
    return open;
  }

  private forgetOneClosed(): void {
    for (const [peer, circuit] of this.circuits) {
      if (circuit.openedAtMs === null) {
        this.circuits.delete(peer);
        return;
      }
    }
    // All open: the oldest goes (a bound matters more than one peer's memory of failures).
    const oldest = this.circuits.keys().next();
    if (oldest.done !== true) this.circuits.delete(oldest.value);
  }
}
