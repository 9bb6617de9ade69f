import { deepEqual } from "node:assert/strict";
import { type Member, Membership } from "../lib/membership.ts";
import type { MemberLink } from "../lib/member_link.ts";

/** A member at port `port` of one address (its channel is never used here). */
const member = (nick: string, port: number): Member => ({
  key: `10.0.0.2:${port}`,
  address: { hostname: "10.0.0.2", port },
  nick,
  lastHeard: 0,
  since: 0,
  said: 0,
  channel: {} as MemberLink,
});

Deno.test("Membership lists nicknames in alphabetical order as members join, rename and leave", () => {
  const members = new Membership();
  const names = ["zoë", "Ann", "ann2", "Émile", "bob", "小明", "Zed", "émile2", "a", "B"];
  const inside: Member[] = [];
  let seed = 11;
  const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
  for (let step = 0; step < 400; step++) {
    const free = names.filter((name) => !members.named(name));
    const choice = random(3);
    if (choice === 0 && free.length > 0) {
      const joined = member(free[random(free.length)], step);
      members.add(joined);
      inside.push(joined);
    } else if (choice === 1 && inside.length > 0) {
      members.remove(inside.splice(random(inside.length), 1)[0]);
    } else if (free.length > 0 && inside.length > 0) {
      members.rename(inside[random(inside.length)], free[random(free.length)]);
    }
    const expected = inside.map((m) => m.nick).sort((a, b) => a.localeCompare(b));
    deepEqual(members.nicks, expected, `step ${step}`);
    // In the order they joined, the same names: the roster's order.
    deepEqual(members.joined, inside.map((m) => m.nick), `step ${step}`);
  }
});

Deno.test("Membership counts changes to its join-ordered list, but not joins at its end", () => {
  const members = new Membership();
  const ann = member("ann", 1);
  const start = members.changes;
  members.add(ann);
  members.add(member("bob", 2));
  deepEqual(members.changes, start);
  members.rename(ann, "anna");
  deepEqual([members.changes, members.joined], [start + 1, ["anna", "bob"]]);
  members.remove(ann);
  deepEqual([members.changes, members.joined], [start + 2, ["bob"]]);
});
