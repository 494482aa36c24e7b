/**
 * A Map that holds at most `capacity` entries and forgets the least recently used one first: for state
 * keyed on what clients send (addresses, usernames, tokens), so that no number of distinct keys can grow
 * a process's memory without bound. With `weigh`, the capacity bounds the entries' weights instead (a
 * cached page by its rows, say); give every entry a weight of at least 1, so that entries weighing
 * nothing cannot grow without bound either.
 */
export class LruMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #capacity: number;
  readonly #weigh: (value: V) => number;
  #weight = 0;

  constructor(capacity: number, weigh: (value: V) => number = () => 1) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be a positive integer`);
    this.#capacity = capacity;
    this.#weigh = weigh;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entries' weights together (their count without `weigh`). */
  get weight(): number {
    return this.#weight;
  }

  /** The value, now the most recently used. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /**
   * Sets the value as the most recently used, forgetting the least recently used beyond capacity. A value
   * heavier than the whole capacity is not kept (and forgets nothing but the key's earlier value).
   */
  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.#weigh(value);
    if (weight > this.#capacity) return;
    this.#entries.set(key, value);
    this.#weight += weight;
    for (const oldest of this.#entries.keys()) {
      if (this.#weight <= this.#capacity) break;
      this.delete(oldest);
    }
  }

  delete(key: K): void {
    const value = this.#entries.get(key);
    if (value === undefined) return;
    this.#entries.delete(key);
    this.#weight -= this.#weigh(value);
  }

  /** Every entry, least recently used first (reading does not count as a use). */
  entries(): IterableIterator<[K, V]> {
    return this.#entries.entries();
  }
}
