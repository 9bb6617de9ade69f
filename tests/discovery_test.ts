/**
 * Finding servers on a LAN of network namespaces: across hosts by broadcast
 * alone, several servers on one host, and the clear error when there are
 * none. (Discovery broadcasts, so it only ever runs inside the test's own
 * namespaces.)
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { Lan, lanUnavailable } from "./netns.ts";
import { PERMISSIONS } from "../lib/permissions.ts";
import { Program, stopAll } from "./process.ts";
import { hasTmux, Terminal } from "./tmux.ts";

const skip = await lanUnavailable();
if (skip) console.log(`SKIPPED discovery_test.ts: ${skip}`);

async function server(ns: string, port: number, name: string): Promise<Program> {
  const program = new Program("server.ts", ["--port", String(port), "--name", name], { netns: ns });
  await program.waitForLine("listening on");
  return program;
}

async function list(ns: string): Promise<string[]> {
  const program = new Program("client.ts", ["--list"], { netns: ns });
  const status = await program.exit(10_000);
  equal(status.code, 0, program.errors.join("\n"));
  return program.lines.sort();
}

Deno.test({
  name: "discovery: servers are found across hosts by broadcast alone, and several on one host",
  ignore: skip !== undefined,
  sanitizeResources: false, // child processes inside namespaces are awaited below
  fn: async () => {
    const lan = await Lan.create("d", 3);
    const [h0, h1, h2] = lan.hosts;
    const programs: Program[] = [];
    try {
      // Host 0 drops all multicast: clients can only find it by broadcast.
      await lan.inputRule(h0, "ip daddr 224.0.0.0/4 drop");
      programs.push(await server(h0.ns, 9999, "Room A"));
      // Two servers on host 2: they share the discovery port.
      programs.push(await server(h2.ns, 9999, "Room B"), await server(h2.ns, 10000, "Room C"));

      deepEqual(await list(h1.ns), [
        `Room A at ${h0.ip}:9999 (0 members)`,
        `Room B at ${h2.ip}:9999 (0 members)`,
        `Room C at ${h2.ip}:10000 (0 members)`,
      ]);
      // A client on the same host as two servers finds them too (and the one across the bridge).
      const local = await list(h2.ns);
      ok(
        local.some((line) => line.startsWith("Room B at") && line.endsWith(":9999 (0 members)")),
        local.join("\n"),
      );
      ok(
        local.some((line) => line.startsWith("Room C at") && line.endsWith(":10000 (0 members)")),
        local.join("\n"),
      );
      ok(local.some((line) => line.startsWith("Room A at")), local.join("\n"));

      // In a terminal, the student picks one.
      if (await hasTmux()) {
        const terminal = await Terminal.open(100, 24);
        try {
          await terminal.type(
            `cd ${Deno.cwd()} && ip netns exec ${h1.ns} deno run ${
              PERMISSIONS["client.ts"].join(" ")
            } client.ts --nick pat`,
          );
          await terminal.keys("Enter");
          const prompt = await terminal.waitForText("Join which one?");
          const listed = prompt.filter((row) => /^\s+\d\) Room/.test(row)).map((row) => row.trim());
          deepEqual(listed.map((row) => row.slice(0, 9)), ["1) Room A", "2) Room B", "3) Room C"]);
          ok(prompt.some((row) => row.includes("[1-3, Enter for 1: Room A]")), prompt.join("\n"));
          const choice = prompt.find((row) => row.includes("Room C at"))!.trim()[0];
          await terminal.type(choice);
          await terminal.keys("Enter");
          await terminal.waitFor(
            (s) => s.some((row) => row.includes('joined "Room C" as pat')),
            10_000,
            "Room C",
          );
        } finally {
          await terminal.close();
        }
      }

      // Without a terminal to ask on, the client joins the first server found and says so.
      const ann = new Program("client.ts", ["--nick", "ann", "--json"], {
        stdin: true,
        netns: h1.ns,
      });
      programs.push(ann);
      await ann.waitFor((c) => c.json().some((e) => e.type === "connected"), 10_000, "ann to join");
      match(ann.errors.join("\n"), /^Looking for udpchat servers on this network for 2 s…$/m);
      // Replies race; the list does not: the first by name is always Room A.
      match(ann.errors.join("\n"), /Found 3 servers; joining the first by name, Room A at /);
    } finally {
      await stopAll(...programs);
      await lan.close();
    }
  },
});

Deno.test({
  name: "discovery: the only server is joined without an address; with none, a clear error",
  ignore: skip !== undefined,
  sanitizeResources: false,
  fn: async () => {
    const lan = await Lan.create("e", 2);
    const [h0, h1] = lan.hosts;
    const programs: Program[] = [];
    try {
      const lonely = new Program("client.ts", ["--nick", "ann"], { netns: h1.ns });
      await lonely.waitFor(
        (c) => c.errors.some((line) => line.startsWith("Looking for udpchat servers")),
        3_000, // start-up included; the search itself takes 2 s
        "to say at once that it is looking",
      );
      equal((await lonely.exit(20_000)).code, 3, "gave up by itself");
      match(
        lonely.errors.join("\n"),
        /No udpchat server answered.*firewall must allow UDP ports 9998 and 9999.*Or give its address after the command, as the server printed it/,
      );
      const empty = new Program("client.ts", ["--list"], { netns: h1.ns });
      equal((await empty.exit(10_000)).code, 3);

      const room = await server(h0.ns, 9999, "Only room");
      programs.push(room);
      // Printed just after "listening on": wait for them rather than race them.
      await room.waitForLine(`deno task client ${h0.ip} --nick NAME`);
      await room.waitForLine("firewall: allow incoming UDP on port 9999 and 9998");
      const ann = new Program("client.ts", ["--nick", "ann", "--json"], {
        stdin: true,
        netns: h1.ns,
      });
      programs.push(ann);
      await ann.waitFor(
        (c) => c.json().some((e) => e.type === "connected" && e.room === "Only room"),
        10_000,
      );
      await ann.type("found you");
      await room.waitForLine("<ann> found you");
    } finally {
      await stopAll(...programs);
      await lan.close();
    }
  },
});
