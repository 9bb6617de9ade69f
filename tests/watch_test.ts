/**
 * The pure parts of `--trace` and `--drop` / `--dup` / `--delay`: what a
 * trace line says, what the streams note, and each datagram's fate.
 */

import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { Envelope } from "../lib/envelope.ts";
import { Impairment, parseImpairment } from "../lib/impairment.ts";
import { StreamPair } from "../lib/stream_pair.ts";
import { summarize, TraceNotes } from "../lib/trace.ts";
import { streamCounters } from "../lib/stream.ts";

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

Deno.test("a trace summary names the frame, its numbers and a quote of its text", () => {
  const msg = { udpchat: 2, type: "msg", token: "t", n: 12, seq: 40, from: "ann", text: "hi" };
  equal(summarize(bytes(msg)), 'msg n=12 seq=40 from=ann "hi"');
  equal(summarize(bytes({ udpchat: 2, type: "ack", token: "t", n: 3, sack: [] })), "ack n=3");
  equal(
    summarize(bytes({ udpchat: 2, type: "sealed", token: "t", box: "…" })),
    "sealed (encrypted)",
  );
  equal(summarize(bytes({ udpchat: 2, type: "join", nick: "ann", session: "s" })), "join nick=ann");
  equal(summarize(bytes("join 4821\n")), 'plain text "join 4821"');
  const frames = [1, 2, 3, 4].map((n) => ({
    n,
    type: "msg",
    seq: 40 + n,
    from: "ann",
    text: "hi",
  }));
  equal(
    summarize(bytes({ udpchat: 2, type: "bundle", token: "t", frames })),
    'bundle of 4: msg n=1 seq=41 from=ann "hi" · msg n=2 seq=42 from=ann "hi" · ' +
      'msg n=3 seq=43 from=ann "hi" · …',
  );
  equal(summarize(bytes("{not json")), 'plain text "{not json"');
});

Deno.test("a trace summary cannot drive the terminal, and long text is cut", () => {
  const text = "\x1b[2J\x1b]0;pwned\x07" + "x".repeat(100);
  const summary = summarize(bytes({ udpchat: 2, type: "msg", from: "\x1b[31mevil", text }));
  ok(![...summary].some((char) => char < " " || char === "\x7f"), summary);
  ok(summary.includes("␛[2J"), summary);
  ok(summary.length < 80, summary);
  equal(summarize(bytes({ type: "\x1b".repeat(40) })).length <= 16, true);
});

Deno.test("the stream notes retransmissions, duplicates and frames held for a gap", () => {
  const notes = new TraceNotes();
  const counters = streamCounters();
  const sent: Uint8Array[] = [];
  const pair = new StreamPair<string, { text: string }>(
    { notes, counters, initialRto: 100 },
    {
      entry: {
        size: (n, text) => `${n}:${text}`.length,
        write: (n, text, out, at) => out.set(bytes(`${n}:${text}`), at),
      },
      packer: {
        capacity: 1200,
        frames: (list, layout, start = 0) => {
          // One frame at a time here.
          const [n, text] = [list.numberAt(start), list.payloadAt(start)];
          const out = new Uint8Array(layout.size(n, text));
          layout.write(n, text, out, 0);
          return out;
        },
      },
      ack: ({ n }) => bytes(`ack ${n}`),
    },
    (data) => sent.push(data),
  );
  pair.push("a");
  pair.flush(0);
  equal(notes.takeOutgoing(sent[0]), undefined); // a first sending needs no note
  pair.flush(100);
  equal(notes.takeOutgoing(sent[1]), "retransmit n=1 (2nd, rto 100 ms)");
  pair.flush(300);
  equal(notes.takeOutgoing(sent[2]), "retransmit n=1 (3rd, rto 200 ms)");

  pair.receive(2, { text: "b" }, 0);
  equal(notes.takeIncoming(), "held n=2 until 1");
  pair.receive(1, { text: "a" }, 1);
  equal(notes.takeIncoming(), undefined);
  pair.receive(1, { text: "a" }, 2);
  equal(notes.takeIncoming(), "dup n=1 dropped");
  deepEqual([counters.held, counters.duplicates, counters.retransmitted], [1, 1, 2]);
  ok(counters.acks >= 2, "acks are counted");
});

Deno.test("--drop, --dup and --delay decide each datagram's fate", () => {
  deepEqual(parseImpairment({ delay: "100+-50" }), { drop: 0, dup: 0, delay: 100, jitter: 50 });
  deepEqual(parseImpairment({ drop: "30%" }), { drop: 30, dup: 0, delay: 0, jitter: 0 });
  throws(() => parseImpairment({ drop: "-1" }), /--drop must be a percentage/);
  throws(() => parseImpairment({ delay: "100±" }), /--delay must be MS or MS±JITTER/);
  throws(() => parseImpairment({ delay: "20000" }), /at most 10000 ms/);

  // A fixed sequence of "random" numbers: lost, kept, then doubled with jitter either way.
  const draws = [0.1, 0.9, 0.9, 0.9, 0.9, 0.2, 0.0, 1.0 - 1e-9];
  const impairment = new Impairment(
    { drop: 20, dup: 50, delay: 100, jitter: 50 },
    () => draws.shift()!,
  );
  deepEqual(impairment.fate(), []);
  deepEqual(impairment.fate(), [140]);
  deepEqual(impairment.fate(), [50, 150]);
  equal(impairment.describe(), "dropping 20%, duplicating 50%, delaying 100±50 ms");

  let lost = 0;
  const thirty = new Impairment({ drop: 30, dup: 0, delay: 0, jitter: 0 });
  for (let i = 0; i < 10_000; i++) if (thirty.fate().length === 0) lost++;
  ok(lost > 2_700 && lost < 3_300, `${lost} of 10,000 lost at --drop 30`);
});

Deno.test("the trace says what a sealed frame holds, which only the two ends can see", () => {
  const notes = new TraceNotes();
  const key = new Uint8Array(32).fill(7);
  const client = new Envelope<{ type: "ping"; token: string; t: number }>(
    "t0k3n",
    { send: key, receive: key },
    notes,
  );
  const sealed = client.wrap({ type: "ping", t: 5 });
  equal(summarize(sealed), "sealed (encrypted)"); // what the wire (and Wireshark) shows
  equal(notes.takeOutgoing(sealed), "sealed: ping t=5");
  const frame = JSON.parse(new TextDecoder().decode(sealed));
  const decode = (data: Uint8Array) => JSON.parse(new TextDecoder().decode(data));
  equal(client.check(frame, decode)?.type, "ping");
  equal(notes.takeIncoming(), "sealed: ping t=5");
});

Deno.test("trace: a pong shows when the server wants the next ping", () => {
  const pong = new TextEncoder().encode(
    '{"udpchat":2,"type":"pong","token":"k","t":5,"heartbeat":2000,"next":1998}',
  );
  equal(summarize(pong), "pong t=5 next=1998");
});
