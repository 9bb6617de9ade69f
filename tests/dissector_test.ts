/**
 * The Wireshark dissector (`tools/udpchat.lua`) against real captures: a
 * short chat on loopback captured with `tcpdump`, plus one datagram of every
 * frame type in the schema, decoded by `tshark -X lua_script:… -V`.
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { rootToolSkipReason } from "./forge.ts";
import { SCHEMA } from "../lib/schema.ts";
import { freePort, PlainTextMember, startClient, startServer, stopAll } from "./process.ts";

const skip = await rootToolSkipReason("capturing packets", "tcpdump") ??
  await rootToolSkipReason("decoding captures", "tshark");
if (skip) console.log(`SKIPPED dissector_test.ts: ${skip}`);

/** A value of each field kind, to build a frame of every type. */
function sample(spec: unknown, name: string): unknown {
  if (Array.isArray(spec)) return spec[0];
  const kind = String(spec).replace("?", "");
  return {
    string: `${name}-value`,
    count: 7,
    number: 1.5,
    boolean: true,
    strings: ["ann", "bob"],
    counts: [9, 10],
    frames: [{ n: 3, type: "msg", text: "hi" }, { n: 4, type: "who" }],
  }[kind];
}

/** tshark's `-V` output cut into one block per frame. */
function frames(verbose: string): string[] {
  return verbose.split(/^Frame \d+: /m).slice(1);
}

Deno.test({
  name: `tshark decodes a captured chat and every frame type${skip ? ` (skipped: ${skip})` : ""}`,
  ignore: skip !== undefined,
  async fn() {
    // The synthetic frames go to a socket of their own, which takes them (no "port unreachable").
    const sink = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const other = (sink.addr as Deno.NetAddr).port;
    let port = freePort();
    while (port === other) port = freePort();
    const dir = await Deno.makeTempDir({ prefix: "udpchat-capture-" });
    const capture = `${dir}/chat.pcap`;
    const tcpdump = new Deno.Command("tcpdump", {
      args: [
        "-i",
        "lo",
        "--immediate-mode",
        "-U",
        "-w",
        capture,
        `udp port ${port} or udp port ${other}`,
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const stderr = tcpdump.stderr.getReader();
    // tcpdump says "listening on lo" once it captures.
    for (let heard = ""; !heard.includes("listening on");) {
      const { value, done } = await stderr.read();
      if (done) throw new Error(`tcpdump stopped: ${heard}`);
      heard += new TextDecoder().decode(value);
    }
    const { server } = await startServer([], port);
    let ann, nc;
    const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const sent: Array<{ table: string; type: string; fields: string[] }> = [];
    let dropped = 0;
    try {
      ann = await startClient(port, "ann");
      nc = await PlainTextMember.joined(port);
      await ann.type("hello wireshark");
      await nc.say("hi from nc");
      await ann.waitFor((c) => c.messages().length === 2);
      await ann.endInput();
      await ann.exit();
      // One datagram of every frame type the protocol has, built from the schema itself.
      for (const [table, types] of Object.entries(SCHEMA)) {
        for (const [type, shape] of Object.entries(types)) {
          const frame: Record<string, unknown> = { udpchat: 2, type };
          for (const [name, spec] of Object.entries(shape)) frame[name] = sample(spec, name);
          const bytes = new TextEncoder().encode(JSON.stringify(frame));
          await socket.send(bytes, { transport: "udp", hostname: "127.0.0.1", port: other });
          await new Promise((resolve) => setTimeout(resolve, 2)); // paced: a capture, not a flood
          sent.push({ table, type, fields: Object.keys(shape) });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      socket.close();
      sink.close();
      await nc?.close();
      await stopAll(ann, server);
      tcpdump.kill("SIGINT");
      // Its last words (packets captured, dropped), read so it is not cut off writing them.
      let lastWords = "";
      for (let chunk = await stderr.read(); !chunk.done; chunk = await stderr.read()) {
        lastWords += new TextDecoder().decode(chunk.value);
      }
      dropped = Number(/(\d+) packets? dropped by kernel/.exec(lastWords)?.[1] ?? 0);
      await tcpdump.status;
    }
    const { stdout } = await new Deno.Command("tshark", {
      args: [
        "-X",
        "lua_script:tools/udpchat.lua",
        "-o",
        `udpchat.port:${port}`,
        "-r",
        capture,
        "-V",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    await Deno.remove(dir, { recursive: true });
    equal(dropped, 0, "tcpdump saw every datagram");
    const decoded = frames(new TextDecoder().decode(stdout));
    const toOther = new RegExp(`Dst Port: ${other}$`, "m"); // not a port it is the prefix of
    const chat = decoded.filter((frame) => !toOther.test(frame));
    const synthetic = decoded.filter((frame) => toOther.test(frame));

    // The chat: each step of a session, named and numbered, and the plain-text member as text.
    // (A frame in a bundle is a level deeper, in its own subtree.)
    const types = chat.flatMap((frame) =>
      [...frame.matchAll(/^ {4}(?: {4})?type: (\S+)$/gm)].map((match) => match[1])
    );
    for (const type of ["join", "retry", "welcome", "members", "msg", "ack", "leave"]) {
      ok(types.includes(type), `no ${type} in the chat: ${types.join(" ")}`);
    }
    const message = chat.find((frame) => /^ {4}text: hello wireshark$/m.test(frame));
    ok(message, "the message's text");
    ok(/^ {4}\[Direction: client → server\]$/m.test(message), message);
    // ann's line and nc's may reach the server together and be relayed in one bundle.
    const relayed = (f: string) =>
      /^ {4}(?: {4})?from: ann$/m.test(f) && /^ {4}(?: {4})?seq: \d+$/m.test(f);
    ok(chat.some(relayed), "relayed event");
    ok(chat.some((f) => /^ {4}Plain-text line \(legacy member\): hi from nc$/m.test(f)));
    ok(chat.some((f) => /^ {4}\[Direction: server → client\]$/m.test(f)));

    // Every frame type: its type and every one of its fields, under the names the document uses.
    const got = synthetic.map((frame) => /^udpchat: (\S+)/m.exec(frame)?.[1]);
    const want = sent.map(({ type }) => type);
    deepEqual(got, want, `one decoded frame per frame sent: ${got.join(" ")} / ${want.join(" ")}`);
    sent.forEach(({ table, type, fields }, i) => {
      const frame = synthetic[i];
      ok(new RegExp(`^udpchat: ${type}\\b`, "m").test(frame), `${table} ${type}:\n${frame}`);
      for (const field of fields) {
        ok(new RegExp(`^ {4}${field}: `, "m").test(frame), `${table} ${type} lacks ${field}`);
      }
    });
    // A bundle's frames, each in a subtree of its own.
    const bundle = synthetic.find((frame) => /^udpchat: bundle of 2: msg n=3/m.test(frame));
    ok(bundle && /^ {4}2\. Bundled frame: who n=4$/m.test(bundle), bundle);
    ok(/^ {8}text: hi$/m.test(bundle!), bundle);
  },
});
