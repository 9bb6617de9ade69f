/**
 * The per-address tables' memory bound under a forged-source flood.
 */

import { equal, ok } from "node:assert/strict";
import { BoundedMap } from "../lib/bounded_map.ts";

Deno.test("a BoundedMap never holds more than its bound, and keeps what is in use", () => {
  const map = new BoundedMap<string, number>(4096);
  map.set("honest", 1);
  for (let i = 0; i < 100_000; i++) {
    map.set(`forged ${i}`, i);
    ok(map.size <= 4096, `${map.size} entries after ${i + 1}`);
    if (i % 1000 === 0) equal(map.get("honest"), 1); // looked up now and then: never forgotten
  }
  ok(map.size >= 2048, "at least half the bound is kept");
  equal(map.get("forged 0"), undefined);
  equal(map.get("forged 99999"), 99_999);
  map.delete("honest");
  equal(map.get("honest"), undefined);
});
