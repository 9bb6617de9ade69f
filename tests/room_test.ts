import { deepEqual, equal, match, ok } from "node:assert/strict";
import type { Address, Transmit } from "../lib/address.ts";
import { encodePadded, type RoomEvent } from "../lib/frame.ts";
import { Room, type RoomLogEntry } from "../lib/room.ts";
import { LEGACY_HELP } from "../lib/legacy.ts";
import { RELEASED_BURST, SHED_FOR } from "../lib/shedding.ts";
import { ACK_DELAY } from "../lib/stream.ts";
import { fullableDisk } from "./sim.ts";

type Json = Record<string, unknown>;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const at = (port: number): Address => ({ hostname: "10.0.0.2", port });

/** Datagrams and log entries the join helpers took from the room's output, for the next drain. */
let held: Transmit[] = [];
let heldLog: RoomLogEntry[] = [];
/** Each port's session token, from its welcome. */
const tokens = new Map<number, string>();

/** The room's output, decoded: frames (or plain text for legacy) per recipient port. */
function drain(room: Room): Map<number, Array<Json | string>> {
  const out = new Map<number, Array<Json | string>>();
  for (const { to, data } of [...held, ...room.poll().transmits]) {
    out.set(to.port, [...(out.get(to.port) ?? []), ...unbundled(data)]);
  }
  held = [];
  heldLog = [];
  return out;
}

/** A datagram's frames: a bundle's each as if alone (with the bundle's token), or plain text. */
function unbundled(data: Uint8Array): Array<Json | string> {
  const text = decoder.decode(data);
  if (!text.startsWith("{")) return [text];
  const frame = JSON.parse(text) as Json;
  if (frame.type !== "bundle") return [frame];
  return (frame.frames as Json[]).map((entry) => ({ udpchat: 2, token: frame.token, ...entry }));
}

/** The room's log entries so far. */
function log(room: Room): RoomLogEntry[] {
  const entries = [...heldLog, ...room.poll().events];
  heldLog = [];
  return entries;
}

/** The room's output so far, kept for the next drain. */
function peek(room: Room): Json[] {
  const { transmits, events } = room.poll();
  held.push(...transmits);
  heldLog.push(...events);
  return held.flatMap(({ data }) => unbundled(data)).filter((f): f is Json =>
    typeof f !== "string"
  );
}

/** Joins as a v2 client does: join, retry, join with the cookie; the welcome stays in the output. */
function join(room: Room, nick: string, port: number, now = 0, session = `s${port}`): void {
  room.receive(encodePadded({ type: "join", nick, session }, 256), at(port), now);
  const retry = peek(room).findLast((f) => f.type === "retry" && f.session === session)!;
  held = held.filter(({ data }) => !decoder.decode(data).includes('"type":"retry"'));
  const cookie = retry.cookie as string;
  room.receive(encodePadded({ type: "join", nick, session, cookie }, 256), at(port), now);
  const welcome = peek(room).findLast((f) => f.type === "welcome" && f.session === session);
  if (welcome) tokens.set(port, welcome.token as string);
}

/** Sends a frame from a port with its session's token (a made-up one for strangers). */
function send(room: Room, port: number, frame: Record<string, unknown>, now: number): void {
  const token = tokens.get(port) ?? "not-a-member-token";
  room.receive(encoder.encode(JSON.stringify({ udpchat: 2, ...frame, token })), at(port), now);
}

/** Joins as a plain-text client does: a first line, then the join code it was shown. */
function legacyJoin(room: Room, port: number, now = 0): void {
  room.receive(encoder.encode("hello?\n"), at(port), now);
  const prompt = room.poll().transmits.map(({ data }) => decoder.decode(data)).join("");
  const code = /join (\d{4})/.exec(prompt)![1];
  room.receive(encoder.encode(`join ${code}\n`), at(port), now);
}

/** Stream events sent to one port, without acks and other control frames. */
function events(out: Map<number, Array<Json | string>>, port: number): Json[] {
  return (out.get(port) ?? []).filter((f): f is Json =>
    typeof f === "object" && "n" in f && f.type !== "ack"
  );
}

/** Stream events without the copies a retransmission timer sent again. */
function firstCopies(frames: Json[]): Json[] {
  const seen = new Set<unknown>();
  return frames.filter((f) => !seen.has(f.n) && seen.add(f.n));
}

Deno.test("Room welcomes a member and announces the join to everyone", () => {
  const room = new Room({ name: "lab" });
  join(room, "alice", 1);
  drain(room);
  join(room, "bob", 2);
  const out = drain(room);
  const welcome = (out.get(2) as Json[])[0];
  equal(welcome.type, "welcome");
  equal(welcome.nick, "bob");
  equal(welcome.room, "lab");
  deepEqual(events(out, 1).map((e) => [e.type, e.nick, e.seq]), [["join", "bob", 2]]);
  deepEqual(room.members, ["alice", "bob"]);
});

Deno.test("Room gives a taken nickname a unique variant, ignoring case", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "Alice", 2);
  const welcome = (drain(room).get(2) as Json[])[0];
  equal(welcome.nick, "Alice2");
});

Deno.test("Room refuses an invalid nickname with a reason", () => {
  const room = new Room();
  join(room, "bad name", 1);
  const [refused] = drain(room).get(1) as Json[];
  equal(refused.type, "refused");
  equal(refused.code, "bad-nick");
  deepEqual(room.members, []);
});

Deno.test("Room answers a repeated join (lost welcome) without a second member", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "alice", 1);
  const out = drain(room).get(1) as Json[];
  equal(out.filter((f) => f.type === "welcome").length, 2);
  deepEqual(room.members, ["alice"]);
});

Deno.test("Room relays a message with the next seq to every member, encoded once", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "bob", 2);
  drain(room);
  send(room, 1, { type: "msg", n: 1, text: "hi" }, 5);
  const out = drain(room);
  room.tick(5 + ACK_DELAY); // in-order frames are acknowledged together, a moment later
  deepEqual((drain(room).get(1) as Json[]).filter((f) => f.type === "ack"), [{
    udpchat: 2,
    type: "ack",
    n: 1,
    sack: [],
    token: tokens.get(1),
  }]);
  for (const port of [1, 2]) {
    deepEqual(events(out, port).map((e) => [e.type, e.seq, e.from, e.text]), [[
      "msg",
      3,
      "alice",
      "hi",
    ]]);
  }
});

Deno.test("Room handles a member's requests once each, in stream order", () => {
  const room = new Room();
  join(room, "alice", 1);
  drain(room);
  send(room, 1, { type: "msg", n: 2, text: "second" }, 1);
  send(room, 1, { type: "msg", n: 1, text: "first" }, 2);
  send(room, 1, { type: "msg", n: 1, text: "first" }, 3);
  deepEqual(events(drain(room), 1).map((e) => e.text), ["first", "second"]);
});

Deno.test("Room sends a private message only to its target and the sender", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "bob", 2);
  join(room, "carol", 3);
  drain(room);
  send(room, 1, { type: "pm", n: 1, to: "BOB", text: "psst" }, 1);
  const out = drain(room);
  deepEqual(events(out, 2).map((e) => [e.type, e.from, e.to, e.text]), [[
    "pm",
    "alice",
    "bob",
    "psst",
  ]]);
  equal(events(out, 1).length, 1);
  equal(events(out, 3).length, 0);
});

Deno.test("Room tells the sender when a private message has no target", () => {
  const room = new Room();
  join(room, "alice", 1);
  drain(room);
  send(room, 1, { type: "pm", n: 1, to: "nobody", text: "x" }, 1);
  const [error] = events(drain(room), 1);
  equal(error.type, "error");
  equal(error.code, "no-such-nick");
});

Deno.test("Room renames, announcing it, and refuses a taken name", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "bob", 2);
  drain(room);
  send(room, 1, { type: "rename", n: 1, nick: "bob" }, 1);
  equal(events(drain(room), 1)[0].code, "nick-taken");
  send(room, 1, { type: "rename", n: 2, nick: "ali" }, 1);
  deepEqual(events(drain(room), 2).map((e) => [e.type, e.from, e.nick]), [[
    "rename",
    "alice",
    "ali",
  ]]);
  deepEqual(room.members, ["ali", "bob"]);
});

Deno.test("Room lists members on request", () => {
  const room = new Room();
  join(room, "bob", 1);
  join(room, "alice", 2);
  drain(room);
  send(room, 1, { type: "who", n: 1 }, 1);
  deepEqual(events(drain(room), 1)[0].members, ["alice", "bob"]);
});

Deno.test("Room announces a leave and sends nothing more to who left", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "bob", 2);
  drain(room);
  send(room, 1, { type: "leave", n: 1 }, 1);
  let out = drain(room);
  deepEqual(events(out, 2).map((e) => [e.type, e.nick, e.reason]), [["leave", "alice", "quit"]]);
  send(room, 2, { type: "msg", n: 1, text: "still here?" }, 2);
  room.tick(10_000);
  out = drain(room);
  equal(events(out, 1).length, 0);
  deepEqual(room.members, ["bob"]);
});

Deno.test("Room times out a silent member and tells everyone", () => {
  const room = new Room({ timeout: 10_000, heartbeat: 1000 });
  join(room, "alice", 1, 0);
  join(room, "bob", 2, 0);
  drain(room);
  send(room, 2, { type: "ping", t: 1 }, 9_000);
  room.tick(9_999);
  deepEqual(room.members, ["alice", "bob"]);
  room.tick(10_001);
  const leaves = events(drain(room), 2).filter((e) => e.type === "leave");
  deepEqual(leaves.map((e) => [e.nick, e.reason]), [["alice", "timeout"]]);
  deepEqual(room.members, ["bob"]);
});

Deno.test("Room answers bad frames with rate-limited errors and changes nothing", () => {
  const room = new Room();
  join(room, "alice", 1);
  drain(room);
  // Too small to answer without amplifying: dropped silently.
  room.receive(encoder.encode('{"udpchat":7,"type":"msg"}'), at(9), 0);
  equal(drain(room).get(9), undefined);
  const bad = encoder.encode(`{"udpchat":7,"type":"msg","text":"${"x".repeat(200)}"}`);
  for (let i = 0; i < 20; i++) room.receive(bad, at(9), 1);
  const errors = drain(room).get(9) as Json[];
  ok(errors.length >= 1 && errors.length < 20, `${errors.length} answers to 20 bad frames`);
  equal(errors[0].code, "unsupported-version");
  room.receive(bad, at(9), 1);
  equal(drain(room).get(9), undefined, "a flood is not answered frame for frame");
  room.receive(bad, at(9), 2001);
  equal((drain(room).get(9) as Json[]).length, 1, "answered again once the flood stops");
  room.receive(
    encoder.encode(`{"udpchat":2,"type":"teleport","x":"${"x".repeat(90)}"}`),
    at(10),
    1,
  );
  equal((drain(room).get(10) as Json[])[0].code, "unknown-type");
  deepEqual(room.members, ["alice"]);
  equal(room.stats.badFrame, 24, "every bad frame counted");
});

Deno.test("Room drops garbage, oversize datagrams and forged acks, counting them", () => {
  const room = new Room();
  join(room, "alice", 1);
  drain(room);
  const garbage = new Uint8Array(100).map((_, i) => (i * 31 + 7) % 256);
  room.receive(garbage, at(9), 1);
  room.receive(new Uint8Array(5000).fill(0x41), at(9), 1);
  send(room, 1, { type: "ack", n: 999, sack: [] }, 1);
  send(room, 8, { type: "msg", n: 1, text: "x" }, 1);
  const out = drain(room);
  equal(out.has(9), false);
  equal((out.get(8) as Json[])[0].code, "not-joined");
  deepEqual(room.members, ["alice"]);
  const { garbage: g, oversize, forgedAck, notJoined } = room.stats;
  deepEqual({ g, oversize, forgedAck, notJoined }, {
    g: 1,
    oversize: 1,
    forgedAck: 1,
    notJoined: 1,
  });
});

Deno.test("Room relays plain text from a legacy member both ways", () => {
  const room = new Room();
  join(room, "alice", 1);
  drain(room);
  legacyJoin(room, 7, 1);
  room.receive(encoder.encode("hello from nc\n"), at(7), 1);
  let out = drain(room);
  deepEqual(events(out, 1).map((e) => [e.type, e.nick ?? e.from, e.text]), [
    ["join", "10.0.0.2:7", undefined],
    ["msg", "10.0.0.2:7", "hello from nc"],
  ]);
  deepEqual(out.get(7), [
    "* 10.0.0.2:7 joined\n",
    `* you are 10.0.0.2:7: ${LEGACY_HELP}\n`, // one line of help, once
  ]); // its own line is not echoed
  send(room, 1, { type: "msg", n: 1, text: "hi legacy" }, 2);
  out = drain(room);
  deepEqual(out.get(7), ["alice: hi legacy\n"]);
  room.receive(encoder.encode("quit()\n"), at(7), 3);
  out = drain(room);
  deepEqual(events(out, 1).map((e) => [e.type, e.nick]), [["leave", "10.0.0.2:7"]]);
  deepEqual(room.members, ["alice"]);
});

Deno.test("Room: a legacy member picks a name with /nick and lists the room with /who, not as chat", () => {
  const room = new Room();
  join(room, "alice", 1);
  legacyJoin(room, 7, 1);
  drain(room);
  room.receive(encoder.encode("/nick netcat\n"), at(7), 2);
  let out = drain(room);
  deepEqual(events(out, 1).map((e) => [e.type, e.from, e.nick]), [[
    "rename",
    "10.0.0.2:7",
    "netcat",
  ]]);
  deepEqual(out.get(7), ["* 10.0.0.2:7 is now known as netcat\n"]);
  room.receive(encoder.encode("/who\n"), at(7), 3);
  room.receive(encoder.encode("/nick alice\n"), at(7), 3);
  room.receive(encoder.encode("/nick two words\n"), at(7), 3);
  room.receive(encoder.encode("/help\n"), at(7), 3);
  out = drain(room);
  equal(events(out, 1).length, 0, "none of it reached the room");
  const told = out.get(7) as string[];
  equal(told[0], "* 2 here: alice, netcat\n");
  equal(told[1], "* Nickname 'alice' is taken\n");
  match(told[2], /^\* .*space/i);
  equal(told[3], `* ${LEGACY_HELP}\n`);
  deepEqual(room.members, ["alice", "netcat"]);
});

Deno.test("Room: a member coming back is a quiet join; a newcomer is announced", () => {
  const room = new Room({ epoch: "e1" });
  legacyJoin(room, 7, 0);
  drain(room);
  const comeBack = (nick: string, port: number, epoch: string, now: number) => {
    const session = `s${port}-${now}`;
    const frame = { type: "join" as const, nick, session, epoch, last: 0 };
    room.receive(encodePadded(frame, 256), at(port), now);
    const cookie = peek(room).findLast((f) => f.type === "retry")!.cookie as string;
    room.receive(encodePadded({ ...frame, cookie }, 256), at(port), now);
  };
  join(room, "new", 1, 1000);
  comeBack("ann", 2, "e1", 2000); // this room's epoch: a reconnect
  comeBack("ben", 3, "old", 3000); // another epoch, just after the start: a restart
  comeBack("cat", 4, "old", 120_000); // another epoch long after: a stranger's claim
  peek(room); // keep the datagrams for drain() below; log() takes the events
  const joins = log(room).map((e) => e.event).filter((e) => e.type === "join");
  deepEqual(joins.map((e) => [e.nick, "back" in e && e.back === true]), [
    ["new", false],
    ["ann", true],
    ["ben", true],
    ["cat", false],
  ]);
  const toLegacy = (drain(room).get(7) ?? []) as string[];
  deepEqual(toLegacy.filter((line) => line.includes("joined")), [
    "* new joined\n",
    "* cat joined\n",
  ]);
  deepEqual(room.members.sort(), ["10.0.0.2:7", "ann", "ben", "cat", "new"]);
});

Deno.test("Room removes a silent legacy member after the legacy timeout", () => {
  const room = new Room({ legacyTimeout: 60_000 });
  legacyJoin(room, 7, 0);
  room.tick(30_000);
  deepEqual(room.members, ["10.0.0.2:7"]);
  room.tick(60_001);
  deepEqual(room.members, []);
});

Deno.test("Room sends a joiner the roster, then recent history marked as history", () => {
  const room = new Room({ history: 2 });
  join(room, "alice", 1);
  for (let n = 1; n <= 3; n++) {
    send(room, 1, { type: "msg", n, text: `m${n}` }, n);
  }
  drain(room);
  join(room, "bob", 2, 10);
  const [roster, ...rest] = events(drain(room), 2);
  deepEqual([roster.type, roster.members, roster.roster], ["members", ["alice", "bob"], true]);
  const got = rest.map((e) => [e.type, e.text ?? e.nick, e.history]);
  deepEqual(got, [["msg", "m2", true], ["msg", "m3", true], ["join", "bob", undefined]]);
});

Deno.test("Room groups a burst of joins: a few alone, the rest as one event per window, in seq order", () => {
  const room = new Room({ maxPerIp: 0 });
  join(room, "alice", 1);
  room.tick(1000);
  drain(room);
  for (let i = 0; i < 30; i++) join(room, `n${i}`, 100 + i, 1000 + i);
  // A newcomer speaks during the burst: its join must reach alice before its words.
  send(room, 129, { type: "msg", n: 1, text: "hello" }, 1040);
  room.tick(1300);
  peek(room);
  const entries = log(room);
  const seen = firstCopies(events(drain(room), 1));
  // (alice's own join, unacknowledged, may come again: a retransmission, not news)
  const notices = seen.filter((e) =>
    (e.type === "join" || e.type === "joins") && e.nick !== "alice"
  );
  ok(notices.length <= 8, `${notices.length} frames for 30 joins`);
  deepEqual(notices.slice(0, 4).map((e) => e.type), ["join", "join", "join", "join"]);
  // Every join is there once, in seq order, and the groups' seqs say which events they stand for.
  const named = notices.flatMap((e) =>
    e.type === "join"
      ? [[e.seq, e.nick]]
      : (e.nicks as string[]).map((nick, i, all) => [(e.seq as number) - all.length + 1 + i, nick])
  );
  deepEqual(named, Array.from({ length: 30 }, (_, i) => [i + 2, `n${i}`]));
  const hello = seen.findIndex((e) => e.type === "msg");
  ok(seen.findIndex((e) => (e.nicks as string[] | undefined)?.includes("n29")) < hello);
  // The log (and the transcript) keep one join per member.
  equal(entries.filter((entry) => entry.event.type === "join").length, 30);
});

Deno.test("Room groups leaves of one reason, and a late joiner's history of joins", () => {
  const room = new Room({ maxPerIp: 0, timeout: 30_000 });
  for (let i = 0; i < 12; i++) join(room, `n${i}`, 100 + i, i * 1000);
  drain(room);
  join(room, "late", 99, 20_000);
  const history = events(drain(room), 99).filter((e) => e.history);
  deepEqual(history.map((e) => e.type), ["joins"]);
  equal((history[0].nicks as string[]).length, 12);
  for (let i = 0; i < 10; i++) send(room, 100 + i, { type: "leave", n: 1 }, 21_000 + i);
  room.tick(21_300);
  const leaves = firstCopies(events(drain(room), 99)).filter((e) =>
    e.type === "leave" || e.type === "leaves"
  );
  deepEqual(leaves.map((e) => e.type), ["leave", "leave", "leave", "leave", "leaves"]);
  deepEqual(leaves[4].nicks, ["n4", "n5", "n6", "n7", "n8", "n9"]);
  equal(leaves[4].reason, "quit");
  deepEqual(room.members, ["late", "n10", "n11"]);
});

Deno.test("Room lets the server log see every event without private text", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "bob", 2);
  send(room, 1, { type: "pm", n: 1, to: "bob", text: "secret" }, 1);
  const entries = log(room);
  ok(entries.every((entry) => !JSON.stringify(entry).includes("secret")));
  deepEqual(entries.map((entry) => entry.event.type), ["join", "join", "pm"]);
});

Deno.test("Room treats a client back from a new port as a new member; the old entry times out", () => {
  const room = new Room({ timeout: 10_000, heartbeat: 1000 });
  join(room, "alice", 1, 0);
  drain(room);
  join(room, "alice", 2, 5_000, "restarted");
  equal((drain(room).get(2) as Json[])[0].nick, "alice2");
  send(room, 2, { type: "ping", t: 0 }, 9_000);
  room.tick(10_001);
  const leaves = events(drain(room), 2).filter((e) => e.type === "leave");
  deepEqual(leaves.map((e) => [e.nick, e.reason]), [["alice", "timeout"]]);
  deepEqual(room.members, ["alice2"]);
});

Deno.test("Room relays a message id only once, however often it is resent", () => {
  const room = new Room();
  join(room, "alice", 1);
  drain(room);
  send(room, 1, { type: "msg", n: 1, id: "k-1", text: "once" }, 1);
  // The client reconnected (new stream) and sent it again.
  join(room, "alice", 1, 2, "again");
  send(room, 1, { type: "msg", n: 1, id: "k-1", text: "once" }, 3);
  // The renewed stream carries the unacknowledged copy again (same seq); no second message.
  const relayed = events(drain(room), 1).filter((e) => e.type === "msg");
  deepEqual([...new Set(relayed.map((e) => e.seq))], [2]);
});

Deno.test("Room removes a member that stops acknowledging once its backlog overflows; the rest stay", () => {
  const room = new Room({ maxBacklog: 50, rate: 1000 });
  join(room, "reader", 1);
  join(room, "stuck", 2);
  drain(room);
  const heard: Json[] = [];
  for (let n = 1; n <= 80; n++) {
    // A message every 100 ms: the backlog passes 50 early, but "stuck" goes only after 5 s of
    // acknowledging nothing; the reader acknowledges everything it gets.
    send(room, 1, { type: "msg", n, text: `m${n}` }, n * 100);
    const got = events(drain(room), 1);
    heard.push(...got);
    if (got.length > 0) {
      send(room, 1, { type: "ack", n: got.at(-1)!.n as number, sack: [] }, n * 100);
    }
    if (n === 45) deepEqual(room.members, ["reader", "stuck"], "not yet: only 4.5 s of silence");
  }
  deepEqual(room.members, ["reader"]);
  const leaves = heard.filter((e) => e.type === "leave").map((e) => [e.nick, e.reason]);
  deepEqual(leaves, [["stuck", "overload"]]);
  equal(heard.filter((e) => e.type === "msg").length, 80, "the reader lost nothing");
});

Deno.test("Room keeps a slow reader that keeps acknowledging, even far behind a busy room", () => {
  const room = new Room({ maxBacklog: 20, rate: 1000 });
  join(room, "talker", 1);
  join(room, "slow", 2);
  drain(room);
  for (let n = 1; n <= 60; n++) {
    send(room, 1, { type: "msg", n, text: `m${n}` }, n * 200);
    const out = drain(room);
    const mine = events(out, 1);
    if (mine.length > 0) {
      send(room, 1, { type: "ack", n: mine.at(-1)!.n as number, sack: [] }, n * 200);
    }
    const got = events(out, 2);
    // It acknowledges one frame at a time, so its backlog stays above 20…
    if (got.length > 0) send(room, 2, { type: "ack", n: got[0].n as number, sack: [] }, n * 200);
  }
  deepEqual(room.members, ["slow", "talker"], "…but it is making progress: it stays");
});

Deno.test("Room takes at most a few members from one IP address", () => {
  const room = new Room({ maxPerIp: 2 });
  join(room, "a", 1);
  join(room, "b", 2);
  join(room, "c", 3);
  const refused = (drain(room).get(3) as Json[]).find((f) => f.type === "refused")!;
  deepEqual([refused.code, refused.reason], [
    "address-full",
    "10.0.0.2 already has 2 members in this room",
  ]);
  deepEqual(room.members, ["a", "b"]);
});

Deno.test("Room drops a flood from one source unread, beyond its datagram budget", () => {
  const room = new Room({ rate: 5 }); // 300 datagrams a second, after a burst of 600
  join(room, "alice", 1);
  drain(room);
  for (let i = 0; i < 5000; i++) room.receive(encoder.encode("{garbage"), at(66), 1);
  equal(room.stats.overBudget, 5000 - 600);
  send(room, 1, { type: "msg", n: 1, text: "still heard" }, 2);
  ok(log(room).some((e) => e.event.type === "msg"));
});

Deno.test("Room sheds a flooding source for as long as its budget takes to refill, then hears it again", () => {
  const room = new Room({ rate: 5 });
  equal(room.shed(), undefined);
  for (let i = 0; i < 700; i++) room.receive(encoder.encode("{garbage"), at(66), 1);
  deepEqual(room.shed(), [at(66)], "the socket loop is told once");
  equal(room.shed(), undefined);
  equal(room.stats.shed, 1);
  ok(room.deadline()! <= 1 + SHED_FOR, "a tick comes to let it go");
  // Shed means unheard until then, even once its budget has refilled.
  drain(room); // the plain-text prompts its first lines got
  send(room, 66, { type: "join", nick: "flood" }, 1 + SHED_FOR);
  equal(drain(room).size, 0);
  room.tick(SHED_FOR);
  equal(room.shed(), undefined, "not yet");
  room.tick(1 + SHED_FOR);
  deepEqual(room.shed(), []);
  equal(room.deadline(), undefined);
  send(room, 66, { type: "join", nick: "flood" }, 1 + SHED_FOR);
  ok(drain(room).has(66), "heard again: answered");
  // Heard again with a few datagrams' budget, not a whole burst: a flood is shed again after them.
  const overBefore = room.stats.overBudget;
  for (let i = 0; i < 100; i++) room.receive(encoder.encode("{garbage"), at(66), 1 + SHED_FOR);
  equal(room.stats.overBudget - overBefore, 100 - (RELEASED_BURST - 1));
  deepEqual(room.shed(), [at(66)]);
  equal(room.stats.shed, 2);
});

Deno.test("Room answers junk from strangers within a small allowance of its own: the retries a class needs to join stay", () => {
  const room = new Room();
  const count = (type: string) =>
    [...drain(room).values()].flat().filter((f) => typeof f !== "string" && f.type === type).length;
  // 1,000 bad frames, each from another address (forged), in one moment; large enough to answer.
  const junk = encoder.encode(
    JSON.stringify({ udpchat: 2, type: "teleport", pad: "x".repeat(200) }),
  );
  for (let port = 1000; port < 2000; port++) room.receive(junk, at(port), 1);
  equal(count("error"), 100, "errors: 100 at once");
  // A class of 500 arriving in the same moment still gets every retry.
  for (let port = 3000; port < 3500; port++) {
    room.receive(
      encodePadded({ type: "join", nick: `s${port}`, session: `s${port}` }, 256),
      at(port),
      1,
    );
  }
  equal(count("retry"), 500);
});

Deno.test("Room refuses joins beyond its size with room-full, for v1 and legacy alike", () => {
  const room = new Room({ maxMembers: 2 });
  join(room, "ann", 1);
  join(room, "ben", 2);
  drain(room);
  join(room, "cat", 3);
  const [refused] = drain(room).get(3) as Json[];
  deepEqual([refused.type, refused.code], ["refused", "room-full"]);
  room.receive(encoder.encode("hello from nc"), at(4), 1);
  deepEqual(room.members, ["ann", "ben"]);
  // A place frees up: the next join gets in.
  send(room, 2, { type: "leave", n: 1 }, 2);
  join(room, "cat", 3, 3);
  deepEqual(room.members, ["ann", "cat"]);
});

Deno.test("Room takes a member's requests only at its rate: a flooder's extra frames are not acknowledged", () => {
  const room = new Room({ rate: 5 });
  join(room, "flood", 1);
  join(room, "alice", 2);
  drain(room);
  const relayed = () => log(room).map((e) => e.event).filter((e) => e.type === "msg");
  const spam = (events: ReturnType<typeof relayed>) =>
    events.filter((e) => "text" in e && e.text.startsWith("spam")).length;
  for (let n = 1; n <= 100; n++) send(room, 1, { type: "msg", n, text: `spam ${n}` }, 1000);
  send(room, 2, { type: "msg", n: 1, text: "honest" }, 1000);
  room.tick(1000 + ACK_DELAY);
  const acks =
    (room.poll().transmits.filter((t) => t.to.port === 1).map((t) =>
      JSON.parse(decoder.decode(t.data)) as Json
    )).filter((f) => f.type === "ack").map((f) => f.n as number);
  // The burst of 20 welcome announces, and one more of slack for network jitter.
  equal(Math.max(...acks), 21, "only what was taken is acknowledged");
  // (the log entries were taken by that poll: count from the stats and a second round)
  equal(room.stats.rateLimited, 79);
  for (let n = 22; n <= 100; n++) send(room, 1, { type: "msg", n, text: `spam ${n}` }, 2000);
  send(room, 2, { type: "msg", n: 2, text: "still honest" }, 2000);
  const later = relayed();
  equal(spam(later), 5, "a second later, five more: its rate, not thousands");
  ok(later.some((e) => "text" in e && e.text === "still honest"), "the others are not held up");
});

Deno.test("Room drops a legacy member's lines over its rate and tells it, at most every few seconds", () => {
  const room = new Room({ rate: 5 });
  join(room, "alice", 1);
  legacyJoin(room, 7, 0);
  drain(room);
  for (let i = 0; i < 40; i++) room.receive(encoder.encode(`line ${i}\n`), at(7), 100);
  const out = drain(room);
  equal(events(out, 1).filter((e) => e.type === "msg").length, 20);
  deepEqual(out.get(7), [
    "* slow down: the room takes 5 lines a second; lines over that are dropped\n",
  ]);
  for (let i = 0; i < 40; i++) room.receive(encoder.encode(`again ${i}\n`), at(7), 1100);
  equal(drain(room).get(7), undefined, "not told again within 5 s");
});

Deno.test("Room: the teacher kicks a member; it is told why, the others see it, and it stays out", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "bob", 2);
  drain(room);
  room.teacher.kick("bob", "spam", 10);
  let out = drain(room);
  const removed = (out.get(2) as Json[]).find((f) => f.type === "removed")!;
  deepEqual([removed.action, removed.text, removed.token], ["kick", "spam", tokens.get(2)]);
  const seen = events(out, 1).find((e) => e.type === "teacher")!;
  deepEqual([seen.action, seen.nick, seen.text], ["kick", "bob", "spam"]);
  deepEqual(room.members, ["alice"]);
  // bob did not hear it and keeps sending: he is told again, not let back in by his old session.
  send(room, 2, { type: "ping", t: 1 }, 20);
  out = drain(room);
  ok((out.get(2) as Json[]).some((f) => f.type === "removed"));
  deepEqual(room.members, ["alice"]);
});

Deno.test("Room: a ban keeps the IP address out under any nickname, until it is lifted", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "bob", 2);
  drain(room);
  equal(room.teacher.ban("bob", 5, "cheating", 0), "10.0.0.2");
  deepEqual(room.members, [], "everyone at that address is removed");
  drain(room);
  join(room, "robert", 3, 1000);
  const refused = (drain(room).get(3) as Json[]).find((f) => f.type === "refused")!;
  deepEqual([refused.code, refused.reason], [
    "banned",
    "You are banned from this room for 5 more minutes",
  ]);
  room.teacher.unban("10.0.0.2", 2000);
  join(room, "robert", 3, 2000);
  deepEqual(room.members, ["robert"]);
  join(room, "later", 4, 6 * 60_000);
  deepEqual(room.members, ["later", "robert"]);
});

Deno.test("Room: a muted member's messages are refused with a notice to it alone", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "bob", 2);
  room.teacher.mute("bob", true, 0);
  drain(room);
  send(room, 2, { type: "msg", n: 1, text: "can you hear me?" }, 1);
  const out = drain(room);
  const notice = events(out, 2).find((e) => e.type === "error")!;
  deepEqual([notice.code, notice.message], [
    "muted",
    "You are muted by the teacher: your messages are not sent",
  ]);
  equal(events(out, 1).filter((e) => e.type === "msg").length, 0);
  room.teacher.mute("bob", false, 2);
  send(room, 2, { type: "msg", n: 2, text: "now?" }, 3);
  ok(events(drain(room), 1).some((e) => e.type === "msg" && e.text === "now?"));
});

Deno.test("Room: /say reaches legacy members too; the topic and the rate reach joiners", () => {
  const room = new Room();
  join(room, "alice", 1);
  legacyJoin(room, 7, 0);
  drain(room);
  room.teacher.say("quiz in five minutes", 1);
  room.teacher.setTopic("Networks 101: UDP", 2);
  room.teacher.setRate(2, 3);
  const out = drain(room);
  equal((out.get(7) as string[])[0], "*** teacher: quiz in five minutes\n");
  deepEqual(events(out, 1).map((e) => e.action), ["say", "topic", "slow"]);
  join(room, "bob", 2, 4);
  const welcome = (drain(room).get(2) as Json[]).find((f) => f.type === "welcome")!;
  deepEqual([welcome.topic, welcome.rate, welcome.burst], ["Networks 101: UDP", 2, 8]);
});

Deno.test("Room restores the topic, the rate and bans from its transcript", () => {
  const room = new Room();
  join(room, "bob", 2);
  room.teacher.ban("bob", undefined, undefined, 0);
  room.teacher.setTopic("after the restart", 1);
  room.teacher.setRate(3, 2);
  const entries = log(room).filter((e) => "seq" in e.event).map((e) => ({
    event: e.event as RoomEvent,
    ...(e.scope ? { scope: e.scope } : {}),
  }));
  const restarted = new Room();
  restarted.restore(entries, 10);
  equal(restarted.topic, "after the restart");
  equal(restarted.rate, 3);
  join(restarted, "sneaky", 5, 20);
  const refused = (drain(restarted).get(5) as Json[]).find((f) => f.type === "refused")!;
  equal(refused.code, "banned");
});

Deno.test("Room on a full disk refuses messages, renames and newcomers, and takes them again once it can write", () => {
  const disk = fullableDisk();
  const room = new Room({ journal: disk });
  join(room, "alice", 1);
  join(room, "bob", 2);
  legacyJoin(room, 3, 0);
  drain(room);
  disk.full = true;
  send(room, 1, { type: "msg", n: 1, text: "lost to a full disk?", id: "a-1" }, 1);
  send(room, 1, { type: "rename", n: 2, nick: "alicia" }, 1);
  room.receive(encoder.encode("plain text too\n"), at(3), 1);
  peek(room);
  const notices = log(room).filter((e) => e.event.type === "journal");
  const out = drain(room);
  deepEqual(events(out, 1).map((e) => e.code), ["cannot-save", "cannot-save"]);
  // The error names the message by its id, for the client to mark it not sent.
  match(events(out, 1)[0].message as string, /cannot save the room's transcript .*disk is full/);
  equal(events(out, 1)[0].id, "a-1");
  match((out.get(3) ?? []).join(""), /Not sent \("plain text too"\)/);
  equal(events(out, 2).length, 0, "nobody else hears of what was refused");
  equal(notices.length, 1, "the console hears once, not per message");
  match((notices[0].event as { text: string }).text, /cannot write the transcript \(No space left/);
  join(room, "carol", 4, 2);
  equal(peek(room).findLast((f) => f.type === "refused")?.code, "cannot-save");
  drain(room);
  // Leaving cannot be refused: it waits in memory, and is written first when the disk frees.
  send(room, 2, { type: "leave", n: 1 }, 3);
  ok(!room.members.includes("bob"));
  disk.full = false;
  send(room, 1, { type: "msg", n: 3, text: "and now?" }, 10_000);
  peek(room);
  const resumed = log(room).find((e) => e.event.type === "journal")?.event as { text: string };
  match(resumed.text, /writable again after 10 s/);
  deepEqual(disk.lines, ["1 join", "2 join", "3 join", "4 leave", "5 msg"]);
  ok(events(drain(room), 1).some((e) => e.type === "msg" && e.text === "and now?"));
});

Deno.test("Room never relays a message the transcript did not take, even when the disk fills just then", () => {
  const disk = fullableDisk();
  const room = new Room({ journal: disk });
  join(room, "alice", 1);
  join(room, "bob", 2);
  drain(room);
  disk.full = true;
  send(room, 1, { type: "msg", n: 1, text: "first after the disk filled" }, 1);
  const out = drain(room);
  equal(events(out, 2).filter((e) => e.type === "msg").length, 0);
  equal(room.seq, 2, "no seq was given out for it");
  disk.full = false;
  send(room, 1, { type: "msg", n: 2, text: "again" }, 2);
  equal(events(drain(room), 2).find((e) => e.type === "msg")?.seq, 3, "numbering has no gap");
});

Deno.test("Room asks a large room for rarer pings, all in one slot once arrivals settle", () => {
  const room = new Room({ maxMembers: 1000, maxPerIp: 0 });
  join(room, "alice", 1, 0);
  send(room, 1, { type: "ping", t: 7 }, 10);
  deepEqual(pongs(drain(room).get(1)), [{ t: 7, heartbeat: 2000, next: undefined }], "arriving");
  send(room, 1, { type: "ping", t: 8 }, 6010);
  // The slots are the multiples of the interval on the server's clock.
  deepEqual(pongs(drain(room).get(1)), [{ t: 8, heartbeat: 2000, next: 1990 }]);
  for (let i = 2; i <= 200; i++) join(room, `m${i}`, i, 6020);
  drain(room);
  send(room, 1, { type: "ping", t: 9 }, 6030);
  deepEqual(pongs(drain(room).get(1)), [{ t: 9, heartbeat: 3000, next: undefined }], "a class");
  send(room, 1, { type: "ping", t: 10 }, 11_030);
  // 200 members: every 3 s, all in the slot that starts at 12,000 ms.
  deepEqual(pongs(drain(room).get(1)), [{ t: 10, heartbeat: 3000, next: 970 }]);
});

const pongs = (frames: Array<Json | string> | undefined) =>
  (frames ?? []).filter((f): f is Json => typeof f === "object" && f.type === "pong")
    .map(({ t, heartbeat, next }) => ({ t, heartbeat, next }));

Deno.test("Room takes a member's bundle as if each frame came alone, and sends one turn's events bundled", () => {
  const room = new Room();
  join(room, "alice", 1);
  join(room, "bob", 2);
  drain(room);
  const said = (from: number, to: number) =>
    Array.from(
      { length: to - from + 1 },
      (_, i) => ({ n: from + i, type: "msg", text: `m${from + i}` }),
    );
  send(room, 1, { type: "bundle", frames: said(1, 5) }, 1000);
  const raw = room.poll().transmits.map(({ to, data }) => ({
    port: to.port,
    frame: JSON.parse(decoder.decode(data)) as Json,
  }));
  // bob: one datagram, the five messages in order (after what he has not acknowledged yet).
  const toBob = raw.filter((r) => r.port === 2).map((r) => r.frame);
  equal(toBob.length, 1);
  equal(toBob[0].type, "bundle");
  const frames = (toBob[0].frames as Json[]).filter((f) => f.type === "msg");
  deepEqual(frames.map((f) => f.text), ["m1", "m2", "m3", "m4", "m5"]);
  deepEqual(
    frames.map((f) => f.seq),
    [...frames.map((f) => f.seq as number)].sort((a, b) => a - b),
  );
  // alice: her own messages back in one datagram, and one acknowledgement for the bundle.
  const toAlice = raw.filter((r) => r.port === 1).map((r) => r.frame);
  equal(toAlice.filter((f) => f.type === "bundle").length, 1);
  room.tick(1000 + ACK_DELAY);
  const acks = room.poll().transmits.map(({ data }) => JSON.parse(decoder.decode(data)) as Json);
  deepEqual(acks.filter((f) => f.type === "ack").map((f) => f.n), [5]);

  // Frames it had already are dropped as duplicates; the new one is taken.
  send(room, 1, { type: "bundle", frames: said(4, 6) }, 1100);
  deepEqual(events(drain(room), 2).map((e) => e.text), ["m6"]);
  // One bad entry: the whole bundle is dropped, unanswered.
  const before = room.stats.badFrame;
  send(room, 1, { type: "bundle", frames: [...said(7, 8), { n: 9, type: "msg" }] }, 1200);
  send(room, 1, { type: "bundle", frames: [{ n: 7, type: "ack" }] }, 1200);
  equal(drain(room).size, 0);
  equal(room.stats.badFrame, before + 2);
  // bob's token does not make alice's bundle his.
  room.receive(
    encoder.encode(JSON.stringify({
      udpchat: 2,
      type: "bundle",
      token: tokens.get(2),
      frames: said(7, 7),
    })),
    at(1),
    1300,
  );
  equal(drain(room).size, 0);
  equal(room.stats.forged, 1);
});

Deno.test("Room packs a joiner's member list and history into as few datagrams as fit", () => {
  const room = new Room({ rate: 1000 });
  join(room, "alice", 1);
  drain(room);
  for (let n = 1; n <= 40; n++) send(room, 1, { type: "msg", n, text: `line ${n} `.repeat(8) }, n);
  drain(room);
  join(room, "bob", 2, 100);
  const toBob = [...held, ...room.poll().transmits].filter((t) => t.to.port === 2);
  held = [];
  const stream = toBob.map(({ data }) => JSON.parse(decoder.decode(data)) as Json)
    .filter((f) => f.type !== "welcome");
  ok(toBob.every(({ data }) => data.length <= 1200), "every datagram within the limit");
  const inside = stream.flatMap((f) => f.type === "bundle" ? f.frames as Json[] : [f]);
  ok(inside.length >= 32, "the first window of the stream (the roster and history) at once");
  ok(stream.length <= inside.length / 5, `${inside.length} frames in ${stream.length} datagrams`);
});

Deno.test("Room: while datagrams wait unread, a member's retransmissions wait too, but not its acknowledgements", () => {
  const room = new Room({ randomBytes: (n) => new Uint8Array(n).fill(4) });
  join(room, "alice", 1);
  drain(room); // the welcome and alice's first frames, which she does not acknowledge yet
  send(room, 1, { type: "msg", n: 1, text: "hi" }, 5); // acknowledged within ACK_DELAY
  drain(room);
  const stream = (port: number) =>
    (drain(room).get(port) ?? []).filter((f) => typeof f === "object" && "n" in f) as Json[];
  room.tick(5 + ACK_DELAY, true);
  deepEqual(stream(1).map((f) => f.type), ["ack"], "the ack goes; the input may hold alice's");
  room.tick(250, true); // alice's frames are due again, but her ack may be in what is unread
  deepEqual(stream(1), []);
  room.tick(251, false); // read, and no ack among it: now they go
  ok(stream(1).length > 0, "retransmitted once the input was read");
});

Deno.test("Room: while datagrams wait unread, no retransmission by timeout goes, whichever turn sends", () => {
  const room = new Room({ randomBytes: (n) => new Uint8Array(n).fill(4) });
  join(room, "alice", 1);
  join(room, "bob", 2);
  drain(room); // alice's first frames (bob's join among them), which she does not acknowledge
  const say = (text: string, n: number, now: number, inputQueued: boolean) => {
    const frame = { udpchat: 2, type: "msg", n, text, token: tokens.get(2) };
    room.receive(encoder.encode(JSON.stringify(frame)), at(2), now, inputQueued);
  };
  const toAlice = () =>
    (drain(room).get(1) ?? []).flatMap((f) =>
      typeof f === "object" && "n" in f && f.type !== "ack" ? [f.type] : []
    );
  // Alice's frames are overdue at 300, but her ack may be among the datagrams behind bob's.
  say("one", 1, 300, true);
  deepEqual(toAlice(), ["msg"], "only the new message: the relay resends nothing yet");
  say("two", 2, 301, false); // all read, and no ack from alice among them
  const again = toAlice();
  ok(again.includes("members") && again.at(-1) === "msg", `retransmitted: ${again}`);
});
