/**
 * Interns strings to small integer ids, in first-seen order: `values[id]` is the string. Used for
 * country codes (the geo data, a batch of classified flows) and a selected block's dictionary.
 */
export class ValueInterner {
  readonly #ids = new Map<string, number>();
  readonly values: string[];

  /** `reserved`: values placed first and never returned by intern() (e.g. '' as index 0, "no data"). */
  constructor(reserved: readonly string[] = []) {
    this.values = [...reserved];
  }

  intern(key: string): number {
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(key);
      this.#ids.set(key, id);
    }
    return id;
  }
}
