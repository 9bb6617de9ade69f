import { deepEqual, equal, notEqual, ok } from "node:assert/strict";
import { DatagramArena } from "../lib/datagram_arena.ts";

/** Whether two views share any byte. */
function overlap(a: Uint8Array, b: Uint8Array): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

Deno.test("DatagramArena gives views that share nothing until it is reset, then reuses them", () => {
  const arena = new DatagramArena();
  const taken = [100, 1, 1500, 7].map((size) => arena.take(size));
  deepEqual(taken.map((view) => view.length), [100, 1, 1500, 7]);
  for (const [i, a] of taken.entries()) {
    for (const b of taken.slice(i + 1)) ok(!overlap(a, b));
  }
  taken[0].fill(1);
  arena.reset();
  const again = arena.take(100);
  ok(overlap(again, taken[0]), "the first view's memory is used again");
});

Deno.test("DatagramArena takes fresh arrays beyond its block, then grows to fit such a turn", () => {
  const arena = new DatagramArena();
  const block = arena.size;
  const first = arena.take(block);
  const beyond = arena.take(1000);
  notEqual(beyond.buffer, first.buffer);
  equal(beyond.byteOffset, 0);
  arena.reset();
  ok(arena.size >= block + 1000, `${arena.size} bytes`);
  const a = arena.take(block);
  const b = arena.take(1000);
  equal(a.buffer, b.buffer, "the whole turn fits in the block now");
});

Deno.test("DatagramArena gives back what a burst grew once turns have long been small", () => {
  const arena = new DatagramArena();
  const small = arena.size;
  arena.take(4 * small);
  arena.reset();
  equal(arena.size, 4 * small);
  for (let i = 0; i < 1023; i++) {
    arena.take(100);
    arena.reset();
  }
  equal(arena.size, 4 * small, "kept while a burst may come again");
  arena.take(100);
  arena.reset();
  equal(arena.size, small);
});

Deno.test("DatagramArena stops growing at a megabyte: a larger turn takes fresh arrays", () => {
  const arena = new DatagramArena();
  for (let i = 0; i < 3; i++) {
    arena.take(4 << 20);
    arena.reset();
  }
  equal(arena.size, 1 << 20);
  const first = arena.take(1 << 20);
  const beyond = arena.take(10);
  notEqual(beyond.buffer, first.buffer);
});

Deno.test("DatagramArena says which views a reset lets be written over", () => {
  const arena = new DatagramArena();
  const inside = arena.take(arena.size);
  const beyond = arena.take(10);
  ok(arena.holds(inside));
  ok(!arena.holds(beyond), "an array beyond the block is never reused");
  ok(!arena.holds(new Uint8Array(10)));
});
