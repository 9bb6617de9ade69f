import { deepEqual, equal } from "node:assert/strict";
import { MinHeap } from "../lib/min_heap.ts";
import { seeded } from "./sim.ts";

Deno.test("MinHeap keeps each item once and yields keys in order after random moves and deletes", () => {
  const random = seeded(7);
  const heap = new MinHeap<number>();
  const reference = new Map<number, number>();
  for (let step = 0; step < 20_000; step++) {
    const item = Math.floor(random() * 300);
    if (random() < 0.2) {
      heap.delete(item);
      reference.delete(item);
    } else {
      const key = Math.floor(random() * 1000);
      heap.set(item, key);
      reference.set(item, key);
    }
    equal(heap.size, reference.size);
    equal(heap.minKey, Math.min(...reference.values()));
  }
  const drained: number[] = [];
  while (heap.size > 0) {
    const key = heap.minKey;
    const item = heap.pop()!;
    equal(key, reference.get(item));
    drained.push(key);
  }
  deepEqual(drained, [...reference.values()].sort((a, b) => a - b));
  equal(heap.min, undefined);
  equal(heap.minKey, Infinity);
});
