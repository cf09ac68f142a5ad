/**
 * The entries a detector changed since its last window advance, each listed once: the entry's own
 * `changed` flag says whether it is already listed, so marking costs no lookup.
 */
export class ChangedEntries<T extends { changed: boolean }> {
  #list: T[] = [];

  mark(e: T): void {
    if (e.changed) return;
    e.changed = true;
    this.#list.push(e);
  }

  /** The entries marked since the last call, their flags cleared (marking starts afresh). */
  take(): T[] {
    const list = this.#list;
    this.#list = [];
    for (const e of list) e.changed = false;
    return list;
  }
}
