import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { Envelope } from "../lib/envelope.ts";
import {
  type ClientFrame,
  EncodedEvent,
  encodeFrame,
  EVENT_ENTRY,
  MAX_DATAGRAM,
} from "../lib/frame.ts";
import { MAX_ID } from "../lib/schema.ts";
import { Assembler, splitPayload, splitText } from "../lib/parts.ts";
import { Outbound } from "../lib/stream.ts";

const mixed = "Hello 世界 😀 naïve — ".repeat(500); // ~12 KB of mixed scripts

Deno.test("splitText() never cuts a character, surrogate pairs included", () => {
  const chunks = splitText(mixed);
  equal(chunks.join(""), mixed);
  for (const chunk of chunks) {
    ok(!/^[\udc00-\udfff]/.test(chunk) && !/[\ud800-\udbff]$/.test(chunk), "split inside a pair");
  }
});

Deno.test("splitPayload() parts each fit in one datagram, sealed or not", () => {
  const parts = splitPayload<ClientFrame>({
    type: "pm",
    token: "t".repeat(22),
    n: 1,
    to: "x".repeat(24),
    text: mixed + "\x1b".repeat(500),
  });
  ok(parts.length > 10);
  for (const part of parts) ok(encodeFrame(part).length <= MAX_DATAGRAM);
  deepEqual(parts.map((p) => "more" in p && p.more), [...parts.slice(1).map(() => true), false]);
  // The worst a server relays: the longest name in 4-byte characters, the longest id, every
  // optional field, big numbers; sealed in a room with a password.
  const keys = { send: new Uint8Array(32), receive: new Uint8Array(32) };
  const envelope = new Envelope("t".repeat(22), keys);
  const event = {
    type: "msg" as const,
    seq: 2 ** 40,
    from: "😀".repeat(24),
    text: "\x1b".repeat(3000) + "中".repeat(3000),
    time: Date.UTC(2100, 0),
    id: "i".repeat(MAX_ID),
    history: true,
  };
  for (const part of splitPayload(event)) {
    const datagram = envelope.frames(Outbound.of([[2 ** 40, new EncodedEvent(part)]]), EVENT_ENTRY);
    ok(datagram.length <= MAX_DATAGRAM, `${datagram.length} bytes`);
  }
});

Deno.test("Assembler joins parts back into the original payload", () => {
  const assembler = new Assembler<{ text: string; more?: boolean }>();
  const parts = splitPayload({ text: mixed });
  const outputs = parts.map((part) => assembler.add(part));
  deepEqual(outputs.slice(0, -1), parts.slice(1).map(() => undefined));
  deepEqual(outputs.at(-1), { text: mixed });
});

Deno.test("Assembler joins member lists", () => {
  const members = Array.from({ length: 300 }, (_, i) => `member${i}`);
  const assembler = new Assembler<{ members: string[]; more?: boolean }>();
  let whole;
  for (const part of splitPayload({ members })) whole = assembler.add(part);
  deepEqual(whole, { members });
});

Deno.test("Assembler refuses text over the limit and recovers for the next message", () => {
  const assembler = new Assembler<{ text: string; more?: boolean }>();
  const parts = splitPayload({ text: "y".repeat(20_000) });
  for (const part of parts.slice(0, -1)) equal(assembler.add(part), undefined);
  throws(() => assembler.add(parts.at(-1)!), RangeError);
  deepEqual(assembler.add({ text: "ok" }), { text: "ok" });
});
