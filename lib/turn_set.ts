/**
 * A set that is filled and emptied over and over without allocating: the
 * room's list of members a turn touched. A `Set` allocates a new table when
 * it is cleared and again each time it grows, which in the relay's hot path
 * came to about 2 KB of garbage for every message relayed to 20 members.
 *
 * @module
 */

/**
 * Objects added since the set was last drained, each once, in the order added.
 *
 * @example Usage
 * ```ts
 * import { TurnSet } from "./turn_set.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const a = { name: "a" };
 * const b = { name: "b" };
 * const turn = new TurnSet<{ name: string }>();
 * turn.add(a);
 * turn.add(b);
 * turn.add(a);
 * const names: string[] = [];
 * turn.drain((item) => names.push(item.name));
 * deepEqual(names, ["a", "b"]);
 * turn.drain((item) => names.push(item.name));
 * deepEqual(names, ["a", "b"]); // drained: empty again
 * ```
 */
export class TurnSet<T extends object> {
  #items: Array<T | undefined> = [];
  #size = 0;
  /** The drain each item was last added in: an item is in the set when its mark is the current one. */
  #marks = new WeakMap<T, number>();
  #generation = 0;

  /** How many items it holds. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds an item unless it is already in.
   *
   * @param item The item.
   */
  add(item: T): void {
    if (this.#marks.get(item) === this.#generation) return;
    this.#marks.set(item, this.#generation);
    this.#items[this.#size++] = item;
  }

  /**
   * Whether an item is in.
   *
   * @param item The item.
   * @returns `true` if it was added since the last drain.
   */
  has(item: T): boolean {
    return this.#marks.get(item) === this.#generation;
  }

  /**
   * Hands every item to `each`, in the order added — items added meanwhile
   * too — and empties the set.
   *
   * @param each What to do with each item.
   */
  drain(each: (item: T) => void): void {
    try {
      for (let i = 0; i < this.#size; i++) {
        const item = this.#items[i]!;
        this.#items[i] = undefined; // held no longer than the turn
        each(item);
      }
    } finally {
      // Empty even if `each` threw: no item is handed over twice.
      this.#size = 0;
      this.#generation++;
    }
  }
}
