/**
 * A circuit breaker per subgraph: once a subgraph fails `failuresToOpen` calls in a row (no connection, a
 * timeout, a 502/503/504), calls to it fail at once for `openMs` instead of waiting out the timeout each;
 * then one call goes through as a probe (half-open). Its success closes the circuit; its failure opens it
 * again, for twice as long, up to `maxOpenMs`.
 */
export interface BreakerSettings {
  /** Failures in a row that open the circuit (SUBGRAPH_BREAKER_FAILURES). */
  failuresToOpen: number;
  /** How long it first stays open (SUBGRAPH_BREAKER_OPEN_MS); doubled after each failed probe. */
  openMs: number;
  /** The longest it stays open before the next probe. */
  maxOpenMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  readonly #settings: BreakerSettings;
  #failures = 0;
  #openFor: number;
  #openUntil = 0;
  #probing = false;

  constructor(settings: BreakerSettings) {
    this.#settings = settings;
    this.#openFor = settings.openMs;
  }

  get state(): BreakerState {
    if (this.#failures < this.#settings.failuresToOpen) return 'closed';
    return Date.now() < this.#openUntil ? 'open' : 'half-open';
  }

  /** Whether a call may go out now: always when closed, one probe at a time when half-open. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  succeeded(): void {
    this.#failures = 0;
    this.#probing = false;
    this.#openFor = this.#settings.openMs;
  }

  failed(): void {
    const probeFailed = this.#probing;
    this.#probing = false;
    this.#failures += 1;
    if (this.#failures < this.#settings.failuresToOpen) return;
    if (probeFailed) this.#openFor = Math.min(this.#openFor * 2, this.#settings.maxOpenMs);
    this.#openUntil = Date.now() + this.#openFor;
  }
}
