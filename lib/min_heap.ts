/**
 * A binary min-heap of items by a numeric key: the room's member deadlines,
 * so that finding the next one does not scan every member.
 *
 * @module
 */

/**
 * Items ordered by key, smallest first.
 *
 * @example Usage
 * ```ts
 * import { MinHeap } from "./min_heap.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const heap = new MinHeap<string>();
 * heap.push(30, "c");
 * heap.push(10, "a");
 * heap.push(20, "b");
 * deepEqual([heap.pop(), heap.pop(), heap.peek()], [[10, "a"], [20, "b"], [30, "c"]]);
 * ```
 */
export class MinHeap<T> {
  #keys: number[] = [];
  #items: T[] = [];

  /** How many items it holds. */
  get size(): number {
    return this.#keys.length;
  }

  /**
   * Adds an item.
   *
   * @param key Its key.
   * @param item The item.
   */
  push(key: number, item: T): void {
    this.#keys.push(key);
    this.#items.push(item);
    let i = this.#keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#keys[parent] <= key) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /**
   * The smallest key and its item, left in place.
   *
   * @returns `[key, item]`, or `undefined` when empty.
   */
  peek(): [number, T] | undefined {
    return this.#keys.length === 0 ? undefined : [this.#keys[0], this.#items[0]];
  }

  /**
   * Takes out the item with the smallest key.
   *
   * @returns `[key, item]`, or `undefined` when empty.
   */
  pop(): [number, T] | undefined {
    const top = this.peek();
    if (top === undefined) return undefined;
    const lastKey = this.#keys.pop()!;
    const lastItem = this.#items.pop()!;
    if (this.#keys.length > 0) {
      this.#keys[0] = lastKey;
      this.#items[0] = lastItem;
      this.#sink(0);
    }
    return top;
  }

  #sink(i: number): void {
    const n = this.#keys.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.#keys[left] < this.#keys[smallest]) smallest = left;
      if (right < n && this.#keys[right] < this.#keys[smallest]) smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }

  #swap(a: number, b: number): void {
    [this.#keys[a], this.#keys[b]] = [this.#keys[b], this.#keys[a]];
    [this.#items[a], this.#items[b]] = [this.#items[b], this.#items[a]];
  }
}
