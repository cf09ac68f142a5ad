/**
 * A bounded table of per-address state in approximately least-recently-touched order (a Map keeps
 * insertion order; a touch re-inserts). Re-inserting on every touch costs a Map delete and set per
 * packet, so an entry is re-inserted only when a quarter of the table's capacity has been inserted
 * since its own last insertion: the order lags true recency by at most that much. When full, the
 * entry at the front (touched longest ago, within that slack) is evicted.
 * Detectors use it for their per-source / per-victim profiles so that their state has a fixed ceiling.
 */
interface Slot<V> {
  value: V;
  stamp: number;
}

export class SourceTable<V> {
  readonly #map = new Map<string, Slot<V>>();
  readonly capacity: number;
  readonly #slack: number;
  #seq = 0;
  evicted = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.#slack = Math.max(1, Math.floor(this.capacity / 4));
  }

  get size(): number {
    return this.#map.size;
  }

  /** The entry for `key`, created by `make` when absent (evicting the stalest when full), and marked recent. */
  touch(key: string, make: () => V): V {
    const slot = this.#map.get(key);
    if (slot !== undefined) {
      if (this.#seq - slot.stamp >= this.#slack) {
        this.#map.delete(key);
        this.#map.set(key, slot);
        slot.stamp = ++this.#seq;
      }
      return slot.value;
    }
    if (this.#map.size >= this.capacity) {
      const oldest = this.#map.keys().next().value as string;
      this.#map.delete(oldest);
      this.evicted++;
    }
    const value = make();
    this.#map.set(key, { value, stamp: ++this.#seq });
    return value;
  }

  get(key: string): V | undefined {
    return this.#map.get(key)?.value;
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  /** Drops front (stalest) entries for which `expired` holds, stopping at the first that does not. */
  dropStale(expired: (v: V) => boolean): number {
    let n = 0;
    for (const [k, slot] of this.#map) {
      if (!expired(slot.value)) break;
      this.#map.delete(k);
      n++;
    }
    return n;
  }

  *values(): IterableIterator<V> {
    for (const slot of this.#map.values()) yield slot.value;
  }
}
