import { deepEqual, equal, throws } from "node:assert/strict";
import { TurnSet } from "../lib/turn_set.ts";

Deno.test("TurnSet takes each item once per turn, in order, and is empty after a drain", () => {
  const [a, b, c] = [{ id: "a" }, { id: "b" }, { id: "c" }];
  const turn = new TurnSet<{ id: string }>();
  for (const round of [1, 2, 3]) {
    turn.add(b);
    turn.add(a);
    turn.add(b);
    equal(turn.size, 2, `round ${round}`);
    equal(turn.has(a), true);
    equal(turn.has(c), false);
    const seen: string[] = [];
    turn.drain((item) => {
      seen.push(item.id);
      if (item === b) turn.add(c); // added during the drain: handed over in the same drain
      turn.add(a); // already handed over this turn: not again
    });
    deepEqual(seen, ["b", "a", "c"]);
    equal(turn.size, 0);
    equal(turn.has(a), false);
  }
});

Deno.test("TurnSet is empty after a drain that threw, and takes items again", () => {
  const [a, b] = [{ id: "a" }, { id: "b" }];
  const turn = new TurnSet<{ id: string }>();
  turn.add(a);
  turn.add(b);
  throws(() =>
    turn.drain(() => {
      throw new Error("boom");
    })
  );
  equal(turn.size, 0);
  turn.add(b);
  const seen: string[] = [];
  turn.drain((item) => seen.push(item.id));
  deepEqual(seen, ["b"]);
});
