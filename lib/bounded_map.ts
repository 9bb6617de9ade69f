/**
 * A map that forgets its oldest entries past a bound, in constant time per
 * operation however it is used — what every per-address table needs when a
 * flood forges thousands of source addresses a second.
 *
 * Two generations: new entries go into the young one; when it is full, the
 * old one is dropped whole and the young one takes its place. An entry found
 * in the old generation is moved to the young one, so what is in use stays.
 * (Evicting one entry at a time from a `Map`'s front is slower than it
 * looks: V8 keeps deleted slots until it rehashes, and finding the first live
 * key walks over them — measured here at ~2 µs per insert at 4,096 keys.)
 *
 * @module
 */

/**
 * A bounded map of recent entries.
 *
 * @example Usage
 * ```ts
 * import { BoundedMap } from "./bounded_map.ts";
 * import { equal } from "node:assert/strict";
 *
 * const seen = new BoundedMap<string, number>(4);
 * for (const key of ["a", "b", "c"]) seen.set(key, 1);
 * equal(seen.get("a"), 1); // still here, and now young again
 * seen.set("d", 1);
 * equal(seen.get("b"), undefined); // forgotten: the least recently used
 * equal(seen.get("a"), 1);
 * ```
 */
export class BoundedMap<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  readonly #half: number;

  /**
   * Creates an empty map.
   *
   * @param max Most entries kept (at least the newest `max / 2` are).
   */
  constructor(max: number) {
    this.#half = Math.max(1, Math.floor(max / 2));
  }

  /** How many entries are kept now. */
  get size(): number {
    return this.#young.size + this.#old.size;
  }

  /**
   * Looks an entry up; one found among the old is kept on as young.
   *
   * @param key The key.
   * @returns Its value, or `undefined`.
   */
  get(key: K): V | undefined {
    const value = this.#young.get(key);
    if (value !== undefined || !this.#old.has(key)) return value;
    const old = this.#old.get(key)!;
    this.#old.delete(key);
    this.set(key, old);
    return old;
  }

  /**
   * Adds or replaces an entry.
   *
   * @param key The key.
   * @param value The value.
   */
  set(key: K, value: V): void {
    if (!this.#young.has(key)) {
      this.#old.delete(key);
      if (this.#young.size >= this.#half) {
        this.#old = this.#young;
        this.#young = new Map();
      }
    }
    this.#young.set(key, value);
  }

  /**
   * Removes an entry.
   *
   * @param key The key.
   */
  delete(key: K): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }
}
