import { deepEqual, equal, ok } from "node:assert/strict";
import { Broadcast } from "../lib/broadcast.ts";
import { ChatView } from "../lib/chat_view.ts";
import { eventText, ircLine, legacyLine, type ShownEvent } from "../lib/event_text.ts";
import { describeEvent, describeLogEntry } from "../lib/format.ts";

const join = { type: "join", seq: 3, nick: "bob", time: 0 } as const;
const leave = { type: "leave", seq: 4, nick: "bob", reason: "overload", time: 0 } as const;
const rename = { type: "rename", seq: 5, from: "bob", nick: "rob", time: 0 } as const;
const action = { type: "action", seq: 6, from: "ann", text: "waves", time: 0 } as const;
const hostile = { type: "msg", seq: 7, from: "eve", text: "\x1b[2Jgone\x07", time: 0 } as const;

Deno.test("eventText() words each room event once for every output", () => {
  const cases: Array<[ShownEvent, string, string]> = [
    [join, "--> bob joined", "* bob joined\n"],
    [leave, "<-- bob was dropped (too far behind)", "* bob was dropped (too far behind)\n"],
    [rename, "--- bob is now known as rob", "* bob is now known as rob\n"],
    [action, "* ann waves", "* ann waves\n"],
    [hostile, "<eve> ␛[2Jgone␇", "eve: ␛[2Jgone␇\n"],
  ];
  for (const [event, irc, legacy] of cases) {
    const text = eventText(event)!;
    equal(ircLine(text), irc);
    equal(legacyLine(text), legacy);
  }
});

Deno.test("eventText() names a burst's members, up to nine, then counts the others", () => {
  const nicks = (n: number) => Array.from({ length: n }, (_, i) => `s${i + 1}`);
  const joins = (n: number) => ({ type: "joins", seq: 20, nicks: nicks(n), time: 0 }) as const;
  equal(ircLine(eventText(joins(2))!), "--> s1 and s2 joined");
  equal(ircLine(eventText(joins(9))!), "--> s1, s2, s3, s4, s5, s6, s7, s8 and s9 joined");
  equal(ircLine(eventText(joins(40))!), "--> s1, s2, s3, s4, s5, s6, s7, s8 and 32 others joined");
  const dropped = { type: "leaves", seq: 9, nicks: nicks(3), reason: "overload", time: 0 } as const;
  equal(legacyLine(eventText(dropped)!), "* s1, s2 and s3 were dropped (too far behind)\n");
  // Members coming back are quiet, like one coming back.
  equal(eventText({ ...joins(3), back: true })!.quiet, true);
});

Deno.test("eventText() leaves out what is not shown as a line", () => {
  equal(eventText({ type: "delivered", id: 1 }), undefined);
  equal(eventText({ type: "pending", id: 1, text: "x" }), undefined);
  equal(describeEvent({ type: "left", sent: 1, retransmitted: 0 }, "ann"), undefined);
});

Deno.test("the server log, line mode and the screen say the same thing", () => {
  equal(
    describeLogEntry({ event: join, address: "10.0.0.7:5000" }),
    "#3 --> bob joined from 10.0.0.7:5000",
  );
  equal(describeLogEntry({ event: leave }), "#4 <-- bob was dropped (too far behind)");
  equal(
    describeLogEntry({ event: { type: "pm", from: "ann", to: "bob", time: 0 } }),
    "[pm] ann -> bob (text not logged)",
  );
  equal(describeEvent(rename, "ann"), "--- bob is now known as rob");
  const view = new ChatView();
  view.apply(rename, "ann", 0);
  const [line] = view.lines();
  equal(
    line.map((span) => span.text).join("").replace(/^\[[\d:]+\] /, ""),
    "--- bob is now known as rob",
  );
});

Deno.test("Broadcast encodes for each protocol once, and only when asked", () => {
  const broadcast = new Broadcast({ ...hostile, text: "x".repeat(3000) });
  const parts = broadcast.parts;
  ok(parts.length > 1, "long text travels in parts");
  equal(broadcast.parts, parts, "encoded once");
  const lines = broadcast.lines;
  ok(lines.every((line) => line.length <= 1200));
  equal(broadcast.lines, lines, "encoded once");
  deepEqual(new Broadcast({ type: "members", members: ["a"] }).lines.length, 1);
});
