import { deepEqual, equal, notEqual, ok } from "node:assert/strict";
import type { EncodedEvent } from "../lib/frame.ts";
import { TEXT_CHUNK_BYTES } from "../lib/parts.ts";
import { RosterParts } from "../lib/roster_parts.ts";

/** The parts as a client reads them: one `members` event per part. */
function read(parts: readonly EncodedEvent[]): Array<{ members: string[]; more?: boolean }> {
  return parts.map((part, n) => {
    const out = new Uint8Array(part.entrySize(n));
    part.writeEntry(n, out, 0);
    const event = JSON.parse(new TextDecoder().decode(out));
    equal(event.type, "members");
    equal(event.roster, true);
    return event;
  });
}

const names = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `étudiant${from + i}`);

Deno.test("RosterParts lists everyone in join order, in parts that fit, all but the last marked more", () => {
  const roster = new RosterParts();
  for (const count of [1, 2, 30, 31, 200, 1000]) {
    const list = names(count);
    const parts = read(roster.parts(list, 0));
    deepEqual(parts.flatMap((part) => part.members), list, `${count} names`);
    parts.forEach((part, i) => {
      equal(part.more, i < parts.length - 1 ? true : undefined);
      ok(JSON.stringify(part.members).length <= TEXT_CHUNK_BYTES + 2);
    });
  }
});

Deno.test("RosterParts shares whole parts between joiners while the list only grows", () => {
  const roster = new RosterParts();
  const list = names(300);
  const first = roster.parts(list, 7);
  list.push("late");
  const second = roster.parts(list, 7);
  first.slice(0, -1).forEach((part, i) => equal(second[i], part, `part ${i}`));
  notEqual(second.at(-1), first.at(-1)); // the last part, with the newcomer in it, is its own
  deepEqual(read(second).flatMap((part) => part.members), list);
});

Deno.test("RosterParts makes its parts again once a name left or changed", () => {
  const roster = new RosterParts();
  const list = names(300);
  const before = roster.parts(list, 1);
  list.splice(5, 1);
  list[10] = "renamed";
  const after = roster.parts(list, 2);
  notEqual(after[0], before[0]);
  deepEqual(read(after).flatMap((part) => part.members), list);
  // A shorter list with the count unchanged is taken as a change too, rather than sent wrong.
  deepEqual(
    read(roster.parts(list.slice(0, 3), 2)).flatMap((part) => part.members),
    list.slice(0, 3),
  );
});
