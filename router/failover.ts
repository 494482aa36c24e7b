/**
 * Which of two stores to use: the shared one (Redis) while it answers, this process's own while it does
 * not. A failed call switches to the fallback and tries the shared store again after `retryMs`; the
 * first call it answers switches back. Each switch is reported once, not once per call.
 */
export class Failover {
  readonly #retryMs: number;
  readonly #onSwitch: (degraded: boolean, error?: unknown) => void;
  #degraded = false;
  #retryAt = 0;

  constructor(onSwitch: (degraded: boolean, error?: unknown) => void, retryMs = 5_000) {
    this.#onSwitch = onSwitch;
    this.#retryMs = retryMs;
  }

  /** Whether calls go to the fallback now. */
  get degraded(): boolean {
    return this.#degraded;
  }

  async run<T>(primary: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    if (this.#degraded && Date.now() < this.#retryAt) return fallback();
    let value: T;
    try {
      value = await primary();
    } catch (error) {
      this.#retryAt = Date.now() + this.#retryMs;
      if (!this.#degraded) {
        this.#degraded = true;
        this.#onSwitch(true, error);
      }
      return fallback();
    }
    if (this.#degraded) {
      this.#degraded = false;
      this.#onSwitch(false);
    }
    return value;
  }
}
