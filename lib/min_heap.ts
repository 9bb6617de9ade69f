/**
 * A binary min-heap of items by a numeric key, each item at most once, its
 * key changed in place: the room's member deadlines, so that finding the next
 * one scans no member, and a member whose deadline moves a thousand times
 * still takes one slot.
 *
 * @module
 */

/**
 * Items ordered by key, smallest first; setting an item's key again moves it.
 *
 * @example Usage
 * ```ts
 * import { MinHeap } from "./min_heap.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const heap = new MinHeap<string>();
 * heap.set("c", 30);
 * heap.set("a", 10);
 * heap.set("b", 20);
 * heap.set("a", 40); // moved, not added
 * equal(heap.size, 3);
 * deepEqual([heap.pop(), heap.pop(), heap.minKey, heap.min], ["b", "c", 40, "a"]);
 * ```
 */
export class MinHeap<T> {
  #keys: number[] = [];
  #items: T[] = [];
  #index = new Map<T, number>();

  /** How many items it holds. */
  get size(): number {
    return this.#keys.length;
  }

  /**
   * Adds an item, or moves it if it is there.
   *
   * @param item The item.
   * @param key Its key.
   */
  set(item: T, key: number): void {
    let i = this.#index.get(item);
    if (i === undefined) {
      i = this.#keys.length;
      this.#keys.push(key);
      this.#items.push(item);
      this.#index.set(item, i);
      this.#rise(i);
      return;
    }
    const old = this.#keys[i];
    this.#keys[i] = key;
    if (key < old) this.#rise(i);
    else this.#sink(i);
  }

  /**
   * The key an item has.
   *
   * @param item The item.
   * @returns Its key, or `undefined` if it is not here.
   */
  keyOf(item: T): number | undefined {
    const i = this.#index.get(item);
    return i === undefined ? undefined : this.#keys[i];
  }

  /**
   * Takes an item out, wherever it is.
   *
   * @param item The item.
   */
  delete(item: T): void {
    const i = this.#index.get(item);
    if (i === undefined) return;
    this.#index.delete(item);
    const lastKey = this.#keys.pop()!;
    const lastItem = this.#items.pop()!;
    if (i === this.#keys.length) return; // it was the last
    this.#keys[i] = lastKey;
    this.#items[i] = lastItem;
    this.#index.set(lastItem, i);
    this.#rise(i);
    this.#sink(this.#index.get(lastItem)!);
  }

  /**
   * The item with the smallest key, left in place; `undefined` when empty.
   * Key and item are asked apart, so that no tuple is made: the room asks on every datagram.
   */
  get min(): T | undefined {
    return this.#items[0];
  }

  /** The smallest key; `Infinity` when empty. */
  get minKey(): number {
    return this.#keys.length === 0 ? Infinity : this.#keys[0];
  }

  /**
   * Takes out the item with the smallest key.
   *
   * @returns The item, or `undefined` when empty.
   */
  pop(): T | undefined {
    const item = this.min;
    if (item !== undefined) this.delete(item);
    return item;
  }

  #rise(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#keys[parent] <= this.#keys[i]) return;
      this.#swap(i, parent);
      i = parent;
    }
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
    const key = this.#keys[a];
    this.#keys[a] = this.#keys[b];
    this.#keys[b] = key;
    const item = this.#items[a];
    this.#items[a] = this.#items[b];
    this.#items[b] = item;
    this.#index.set(this.#items[a], a);
    this.#index.set(item, b);
  }
}
