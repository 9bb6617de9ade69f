/**
 * `--trace` and `--drop` / `--dup` / `--delay` on the real programs over
 * loopback: a lossy, doubling, reordering network is made on purpose, the
 * chat still arrives complete and in order, and the trace shows the protocol
 * recovering (retransmissions, duplicates dropped, frames held for a gap).
 */

import { deepEqual, ok } from "node:assert/strict";
import { Program, startClient, startServer, stopAll } from "./process.ts";

/** Lines typed at least; more (up to MOST_LINES) until the bad network has shown what it does. */
const LINES = 24;
const MOST_LINES = 96;
const HELD = /held n=\d+ until \d+/;
const DUPLICATE = /dup n=\d+ dropped/;
const has = (lines: string[], pattern: RegExp) => lines.some((line) => pattern.test(line));

Deno.test("a network broken on purpose loses nothing, and the trace shows how", async () => {
  // The server doubles a third of what it sends and delays each by 0-100 ms (which reorders);
  // the reader loses 30% of what it sends and receives.
  const { server, port } = await startServer(["--trace", "--dup", "35", "--delay", "50+-50"]);
  let writer: Program | undefined;
  let reader: Program | undefined;
  try {
    ok(has(server.lines, /simulating a bad network: duplicating 35%, delaying 50±50 ms/));
    reader = await startClient(port, "reader", ["--trace", "--drop", "30"]);
    writer = await startClient(port, "writer");
    // Typed as a person types, a line at a time: each its own datagram (lines typed faster than
    // the network carries them would travel bundled, giving the bad network fewer to spoil). The
    // network is random: on a busy machine a short run may happen to show no gap or no duplicate,
    // so typing goes on, within a bound, until the reader's trace has shown both.
    const typed: string[] = [];
    const shown = () => has(reader!.errors, HELD) && has(reader!.errors, DUPLICATE);
    while (typed.length < LINES || (typed.length < MOST_LINES && !shown())) {
      typed.push(`line ${typed.length + 1}`);
      await writer.type(typed.at(-1)!);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await reader.waitFor(
      (c) => c.messages().filter((m) => m.from === "writer").length === typed.length,
      20_000,
      "every line at the reader",
    );
    const heard = reader.messages().filter((m) => m.from === "writer").map((m) => m.text);
    deepEqual(heard, typed); // each once, in the order typed
    const trace = reader.errors;
    ok(has(trace, /simulating a bad network: dropping 30%/), trace.join("\n"));
    ok(has(trace, /→ 127\.0\.0\.1:\d+ +\d+ B {2}join nick=reader/), "the join, sent");
    const messageIn =
      /← 127\.0\.0\.1:\d+ +\d+ B {2}(bundle of \d+: )?msg n=\d+ seq=\d+ from=writer/;
    ok(has(trace, messageIn), "a message in");
    ok(has(trace, /✗ lost on purpose \(--drop\)/), "a loss shown");
    ok(has(trace, /→ .* ack n=\d+/), "acks sent");
    ok(has(trace, DUPLICATE), "a duplicate dropped");
    ok(has(trace, HELD), "a frame held back for a gap");
    // The server retransmits what the reader lost, and says so.
    const retransmit =
      /retransmit n=\d+ \(\d+(nd|rd|th), (rto \d+ ms|a later one was acknowledged)\)/;
    await server.waitFor((s) => has(s.lines, retransmit));
    ok(has(server.lines, /\(doubled by --dup\)/), "the server's doubled datagrams");
    // Trace lines carry their own time, not the log's stamp as well.
    ok(has(server.lines, /^\d\d:\d\d:\d\d\.\d{3} ← 127\.0\.0\.1:\d+ /));
  } finally {
    await stopAll(reader, writer, server);
  }
});

Deno.test("bad --drop, --dup and --delay values are refused with one line each", async () => {
  for (
    const [flag, value, words] of [
      ["--drop", "130", "--drop must be a percentage from 0 to 100"],
      ["--dup", "lots", "--dup must be a percentage from 0 to 100"],
      ["--delay", "soon", "--delay must be MS or MS±JITTER"],
    ]
  ) {
    for (const [script, rest] of [["server.ts", "--no-discovery"], ["client.ts", "127.0.0.1:9"]]) {
      const program = new Program(script, [flag, value, rest]);
      const status = await program.exit();
      ok(status.code === 2, `${script} ${flag} ${value}: exit ${status.code}`);
      const message = program.errors.join("\n");
      ok(message.includes(words), message);
    }
  }
});
