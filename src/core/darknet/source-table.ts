/**
 * A bounded table of per-address state in least-recently-touched order (a Map keeps insertion
 * order; a touch re-inserts). When full, the entry touched longest ago is evicted. Detectors use it
 * for their per-source / per-victim profiles so that their state has a fixed ceiling.
 */
export class SourceTable<V> {
  readonly #map = new Map<string, V>();
  readonly capacity: number;
  evicted = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  get size(): number {
    return this.#map.size;
  }

  /** The entry for `key`, created by `make` when absent (evicting the stalest when full), and marked most recent. */
  touch(key: string, make: () => V): V {
    let v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
      return v;
    }
    if (this.#map.size >= this.capacity) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
      this.evicted++;
    }
    v = make();
    this.#map.set(key, v);
    return v;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  /** Drops stalest-first entries for which `expired` holds, stopping at the first that does not. */
  dropStale(expired: (v: V) => boolean): number {
    let n = 0;
    for (const [k, v] of this.#map) {
      if (!expired(v)) break;
      this.#map.delete(k);
      n++;
    }
    return n;
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }
}
