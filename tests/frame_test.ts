import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { addressKey, isFrom } from "../lib/address.ts";
import {
  type ClientFrame,
  EncodedEvent,
  encodeFrame,
  EVENT_ENTRY,
  MAX_DATAGRAM,
  utf8Length,
} from "../lib/frame.ts";
import { FrameError } from "../lib/frame_error.ts";
import { explainBindError } from "../lib/io/os.ts";
import {
  bundledEvents,
  bundledRequests,
  decodeClientDatagram,
  decodeDiscoveryFrame,
  decodeServerFrame,
} from "../lib/decode.ts";
import { Envelope } from "../lib/envelope.ts";
import { Outbound } from "../lib/stream.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function frameError(fn: () => unknown, code: string): void {
  throws(fn, (error: unknown) => error instanceof FrameError && error.code === code);
}

Deno.test("encodeFrame() writes readable JSON with the version first", () => {
  const text = new TextDecoder().decode(encodeFrame({ type: "msg", token: "t", n: 3, text: "hi" }));
  equal(text, '{"udpchat":2,"type":"msg","token":"t","n":3,"text":"hi"}');
});

Deno.test("decodeClientDatagram() round-trips every client frame type", () => {
  const frames: ClientFrame[] = [
    { type: "join", nick: "小明", session: "abc", last: 4, cookie: "c", proof: "p" },
    { type: "msg", token: "t", n: 1, text: "hi", id: "x-1" },
    { type: "action", token: "t", n: 2, text: "waves", more: true },
    { type: "pm", token: "t", n: 3, to: "bob", text: "psst" },
    { type: "rename", token: "t", n: 4, nick: "al" },
    { type: "who", token: "t", n: 5 },
    { type: "leave", token: "t", n: 6 },
    { type: "ack", token: "t", n: 7, sack: [9, 10] },
    { type: "ping", token: "t", t: 123 },
    { type: "sealed", token: "t", box: "AAAA" },
  ];
  for (const frame of frames) {
    deepEqual(decodeClientDatagram(encodeFrame(frame)), { kind: "frame", frame });
  }
});

Deno.test("decodeServerFrame() round-trips stream events encoded once", () => {
  const event = new EncodedEvent({ type: "msg", seq: 9, from: "a", text: "😀 中文", time: 5 });
  const envelope = new Envelope("tok");
  deepEqual(decodeServerFrame(envelope.frames(Outbound.of([[17, event]]), EVENT_ENTRY)), {
    type: "msg",
    seq: 9,
    from: "a",
    text: "😀 中文",
    time: 5,
    n: 17,
    token: "tok",
  });
  deepEqual(
    decodeServerFrame(envelope.frames(Outbound.of([[18, event]]), EVENT_ENTRY)).type,
    "msg",
  );
});

Deno.test("a bundle carries consecutive stream events, each checked as if alone", () => {
  const envelope = new Envelope("tok");
  const events = [
    new EncodedEvent({ type: "msg", seq: 9, from: "a", text: "hi", time: 5 }),
    new EncodedEvent({ type: "join", seq: 10, nick: "b", time: 6 }),
  ];
  const bundle = decodeServerFrame(
    envelope.frames(Outbound.of(events.map((e, i) => [3 + i, e] as const)), EVENT_ENTRY),
  );
  equal(bundle.type, "bundle");
  if (bundle.type !== "bundle") return;
  deepEqual(bundledEvents(bundle), [
    { type: "msg", seq: 9, from: "a", text: "hi", time: 5, n: 3 },
    { type: "join", seq: 10, nick: "b", time: 6, n: 4 },
  ]);
  const bad = { ...bundle, frames: [...bundle.frames, { n: 5, type: "msg", text: 7 }] };
  throws(() => bundledEvents(bad), /Frame field 'seq' must be a whole number/);
});

Deno.test("a client's bundle holds only requests on its stream, with the bundle's token", () => {
  const request = (frame: Record<string, unknown>) => ({
    type: "bundle" as const,
    token: "tok",
    frames: [frame],
  });
  deepEqual(bundledRequests(request({ n: 4, type: "msg", text: "hi", token: "other" })), [
    { type: "msg", token: "tok", n: 4, text: "hi" },
  ]);
  for (const frame of [{ n: 4, type: "ack" }, { type: "ping", t: 1 }, { type: "join" }, {}]) {
    throws(() => bundledRequests(request(frame)), /only stream frames/, JSON.stringify(frame));
  }
  throws(() => bundledRequests(request({ type: "msg", text: "no n" })), /'n'/);
  const datagram = (frames: unknown) =>
    bytes(JSON.stringify({ udpchat: 2, type: "bundle", token: "t", frames }));
  for (const frames of [[], [1], "x", Array(257).fill({})]) {
    throws(() => decodeClientDatagram(datagram(frames)), /'frames' must be a list of frames/);
  }
});

Deno.test("decodeClientDatagram() treats plain text as a legacy message, trimming line endings", () => {
  deepEqual(decodeClientDatagram(bytes("hello there\r\n")), {
    kind: "legacy",
    text: "hello there",
  });
  deepEqual(decodeClientDatagram(bytes("quit()\n")), { kind: "legacy", text: "quit()" });
  // JSON that is not a udpchat frame is still just text.
  deepEqual(decodeClientDatagram(bytes('{"a":1}')), { kind: "legacy", text: '{"a":1}' });
});

Deno.test("decodeClientDatagram() replaces invalid UTF-8 in legacy text", () => {
  const data = new Uint8Array([...bytes("caf"), 0xe9, ...bytes(" au lait")]);
  deepEqual(decodeClientDatagram(data), { kind: "legacy", text: "caf\ufffd au lait" });
});

Deno.test("decodeClientDatagram() refuses binary garbage and oversize datagrams", () => {
  const random = new Uint8Array(64);
  for (let i = 0; i < random.length; i++) random[i] = (i * 97 + 13) % 256;
  frameError(() => decodeClientDatagram(random), "garbage");
  frameError(() => decodeClientDatagram(new Uint8Array(MAX_DATAGRAM + 1).fill(0x61)), "oversize");
});

Deno.test("decodeClientDatagram() names the rule a malformed frame breaks", () => {
  frameError(() => decodeClientDatagram(bytes('{"udpchat":2,"type":"msg","n":1,"te')), "bad-frame");
  frameError(
    () => decodeClientDatagram(bytes('{"udpchat":1,"type":"msg"}')),
    "unsupported-version",
  );
  frameError(() => decodeClientDatagram(bytes('{"udpchat":2,"type":"dance"}')), "unknown-type");
  frameError(
    () => decodeClientDatagram(bytes('{"udpchat":2,"type":"msg","n":-1,"text":"x"}')),
    "bad-frame",
  );
  frameError(
    () => decodeClientDatagram(bytes('{"udpchat":2,"type":"msg","n":1,"text":5}')),
    "bad-frame",
  );
  frameError(
    () => decodeClientDatagram(bytes('{"udpchat":2,"type":"ack","n":1,"sack":"x"}')),
    "bad-frame",
  );
});

Deno.test("decodeClientDatagram() ignores unknown fields, so later versions can add them", () => {
  const data = bytes('{"udpchat":2,"type":"msg","token":"t","n":1,"text":"hi","colour":"red"}');
  deepEqual(decodeClientDatagram(data), {
    kind: "frame",
    frame: { type: "msg", token: "t", n: 1, text: "hi" },
  });
});

Deno.test("decodeServerFrame() refuses text and unknown types", () => {
  frameError(() => decodeServerFrame(bytes("hello")), "garbage");
  frameError(() => decodeServerFrame(bytes('{"udpchat":2,"type":"dance"}')), "unknown-type");
});

Deno.test("addressKey() and isFrom() compare endpoints", () => {
  equal(addressKey({ hostname: "10.0.0.1", port: 5 }), "10.0.0.1:5");
  ok(isFrom({ hostname: "10.0.0.1", port: 5 }, { hostname: "10.0.0.1", port: 5 }));
  ok(!isFrom({ hostname: "10.0.0.9", port: 5 }, { hostname: "10.0.0.1", port: 5 }));
  ok(!isFrom({ hostname: "10.0.0.1", port: 6 }, { hostname: "10.0.0.1", port: 5 }));
  ok(isFrom({ hostname: "127.0.0.1", port: 5 }, { hostname: "localhost", port: 5 }));
});

Deno.test("explainBindError() turns OS errors into one actionable line", () => {
  const at = { hostname: "0.0.0.0", port: 80 };
  const hint = "start with --port 10000";
  match(
    explainBindError(new Deno.errors.AddrInUse(), at, hint)!,
    /port 80 is already in use.*--port 10000/,
  );
  const denied = explainBindError(new Deno.errors.PermissionDenied(), at, hint)!;
  match(
    denied,
    /UDP port 80 needs administrator rights \(ports below 1024 do\): use a port from 1024 up/,
  );
  ok(!denied.includes(hint), "one cause, one remedy: 'stop the other server' is for a port in use");
  match(
    explainBindError(new Deno.errors.PermissionDenied(), { ...at, port: 5000 }, hint)!,
    /does not allow listening on 0\.0\.0\.0:5000: check the firewall/,
  );
  match(
    explainBindError(
      new Error("failed to lookup address information"),
      { ...at, hostname: "x" },
      hint,
    )!,
    /Cannot find 'x' on this computer/,
  );
  match(
    explainBindError(new Deno.errors.AddrNotAvailable(), at, hint)!,
    /not an address of this computer/,
  );
  equal(explainBindError(new Error("other"), at, hint), undefined);
});

Deno.test("validateFrame() checks kinds the schema names, and reads unknown set values leniently", () => {
  const frame = (text: string) => decodeServerFrame(bytes(text));
  const leave = frame(
    '{"udpchat":2,"token":"t","n":1,"type":"leave","seq":2,"nick":"a","reason":"abducted","time":0}',
  );
  equal(leave.type === "leave" && leave.reason, "quit");
  frameError(() => frame('{"udpchat":2,"type":"ack","token":"t","n":-1}'), "bad-frame");
  frameError(() => frame('{"udpchat":2,"type":"ack","token":"t","n":1.5}'), "bad-frame");
  const long = JSON.stringify(Array.from({ length: 257 }, (_, i) => i));
  frameError(
    () => frame(`{"udpchat":2,"type":"ack","token":"t","n":1,"sack":${long}}`),
    "bad-frame",
  );
  frameError(
    () => frame('{"udpchat":2,"token":"t","n":1,"type":"members","members":["a",2]}'),
    "bad-frame",
  );
  deepEqual(frame('{"udpchat":2,"type":"ack","token":"t","n":3}'), {
    type: "ack",
    token: "t",
    n: 3,
  });
});

Deno.test("decodeDiscoveryFrame() uses the same schema for probes and replies", () => {
  const reply = decodeDiscoveryFrame(
    bytes('{"udpchat":2,"type":"server","nonce":"x","name":"lab","port":9999,"members":2}'),
    1024,
  );
  deepEqual(reply, { type: "server", nonce: "x", name: "lab", port: 9999, members: 2 });
  frameError(
    () => decodeDiscoveryFrame(bytes('{"udpchat":2,"type":"server","nonce":"x"}'), 1024),
    "bad-frame",
  );
  frameError(
    () => decodeDiscoveryFrame(bytes('{"udpchat":1,"type":"discover"}'), 1024),
    "unsupported-version",
  );
  frameError(() => decodeDiscoveryFrame(new Uint8Array(2000), 1024), "oversize");
});

Deno.test("a frame must be UTF-8, and a replacement character its sender typed is kept", () => {
  const bytes = (...parts: Array<string | number[]>) =>
    new Uint8Array(
      parts.flatMap((p) => typeof p === "string" ? [...new TextEncoder().encode(p)] : p),
    );
  const head = '{"udpchat":2,"type":"msg","token":"t","n":1,"text":"';
  const typed = decodeClientDatagram(bytes(head, "a \uFFFD b", '"}'));
  equal(typed.kind === "frame" && typed.frame.type === "msg" && typed.frame.text, "a \uFFFD b");
  // Bad bytes beside a typed U+FFFD: still not a frame (the count of U+FFFD gives them away).
  for (const bad of [[0xff, 0xfe], [0xef, 0xbf, 0xbd, 0xc3], [0xed, 0xa0, 0x80]]) {
    equal(decodeClientDatagram(bytes(head, bad, '"}')).kind, "legacy", bad.join(","));
  }
});

Deno.test("a FrameError is an Error for its catchers, without a stack to build", () => {
  const error = new FrameError("bad-frame", "Frame is not valid JSON");
  ok(error instanceof Error && error instanceof FrameError);
  equal(String(error), "FrameError: Frame is not valid JSON");
  equal(error.code, "bad-frame");
  equal("stack" in error, false);
  throws(() => {
    throw error;
  }, /Frame is not valid JSON/);
});

Deno.test("utf8Length() counts the bytes TextEncoder writes, lone surrogates included", () => {
  const samples = [
    "",
    "ann",
    "é",
    "中文",
    "😀",
    "a😀b",
    "\ud800",
    "\udc00x",
    "x\ud83dy",
    "\u07ff\u0800",
  ];
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let i = 0; i < 500; i++) {
    samples.push(String.fromCharCode(...Array.from({ length: 6 }, () => random() * 0x10000)));
  }
  for (const text of samples) {
    equal(utf8Length(text), new TextEncoder().encode(text).length, JSON.stringify(text));
  }
});

Deno.test("a relayed event is written as stream frame n, for numbers of every length", () => {
  const msg = { type: "msg", seq: 3, from: "ann", text: "héllo", time: 0 } as const;
  const event = new EncodedEvent(msg);
  equal(event.seq, 3);
  for (const n of [0, 1, 9, 10, 99, 100, 4096, 65_535, 1_000_000, 2 ** 31 + 7]) {
    const out = new Uint8Array(event.entrySize(n) + 2).fill(0x2a); // '*' on both sides
    event.writeEntry(n, out, 1);
    const text = new TextDecoder().decode(out);
    equal(text, `*${JSON.stringify({ n, ...msg })}*`);
  }
});
