/**
 * Every mistake a user can make on the command line gets one actionable line
 * and a documented exit code, never a stack trace. The cases that look up a
 * host name run in a network namespace, which has no resolver: no name ever
 * leaves this machine.
 */

import { equal, match } from "node:assert/strict";
import { Lan, lanUnavailable, sh } from "./netns.ts";
import { Program } from "./process.ts";

type Case = [script: string, args: string[], code: number, message: RegExp];

const CASES: Case[] = [
  [
    "server.ts",
    ["--host", "nosuchhost.invalid"],
    3,
    /Cannot find 'nosuchhost\.invalid' on this computer: use one of its IP addresses, or --host 0\.0\.0\.0/,
  ],
  ["server.ts", ["--host", "999.1.1.1"], 2, /--host 999\.1\.1\.1 is not an IPv4 address/],
  [
    "server.ts",
    ["--timeout", "1e-9"],
    2,
    /--timeout must be a number of seconds from 1 to 3600, not '1e-9'/,
  ],
  ["server.ts", ["--timeout", "1e12"], 2, /--timeout must be a number of seconds from 1 to 3600/],
  [
    "server.ts",
    ["--timeout", "-1"],
    2,
    /--timeout -1: a value starting with '-' must be written --timeout=-1 \(see --help\)$/,
  ],
  [
    "server.ts",
    ["--timeout=-1"],
    2,
    /--timeout must be a number of seconds from 1 to 3600, not '-1'/,
  ],
  [
    "server.ts",
    ["--port", "-5"],
    2,
    /--port -5: a value starting with '-' must be written --port=-5/,
  ],
  [
    "server.ts",
    ["--history", "99999"],
    2,
    /--history must be a whole number from 0 to 1000, not '99999'/,
  ],
  ["server.ts", ["--name", "x".repeat(5000)], 2, /--name must be at most 64 characters, not 5000/],
  ["server.ts", ["--bogus"], 2, /^udpchat-server: Unknown option '--bogus' \(see --help\)$/],
  ["client.ts", ["a:b:c"], 2, /Server address 'a:b:c' is not HOST, HOST:PORT or \[IPV6\]:PORT/],
  ["client.ts", ["--bogus"], 2, /^udpchat-client: Unknown option '--bogus' \(see --help\)$/],
  [
    "client.ts",
    ["127.0.0.1", "--nick"],
    2,
    /^udpchat-client: --nick needs a value \(see --help\)$/,
  ],
  ["client.ts", ["nosuchhost.invalid"], 3, /Cannot find host 'nosuchhost\.invalid'/],
];

const skip = await lanUnavailable();

Deno.test({
  name: "command-line mistakes: one actionable line each, the documented exit code, no stack trace",
  ignore: skip !== undefined,
  fn: async () => {
    // Loopback only: no route anywhere, so a name lookup fails at once.
    const ns = `ucerr${Deno.pid % 10_000}`;
    const made = await sh(`ip netns add ${ns} && ip -n ${ns} link set lo up`);
    if (!made.ok) throw new Error(`Cannot make a namespace: ${made.output}`);
    try {
      for (const [script, args, code, message] of CASES) {
        const extra = script === "server.ts" ? ["--no-discovery"] : [];
        const program = new Program(script, [...args, ...extra], { netns: ns });
        const status = await program.exit(10_000);
        const what = `${script} ${args.join(" ").slice(0, 60)}`;
        equal(program.errors.length, 1, `${what}:\n${program.errors.join("\n")}`);
        match(program.errors[0], message, what);
        equal(status.code, code, what);
      }
    } finally {
      await sh(`ip netns del ${ns}`);
    }
  },
});

Deno.test({
  name: "a client looking for servers without network permission says how to grant it",
  ignore: skip !== undefined,
  fn: async () => {
    const lan = await Lan.create("p", 1);
    try {
      const program = new Program("client.ts", ["--nick", "ann"], {
        netns: lan.hosts[0].ns,
        deno: ["--allow-env", "--allow-sys=networkInterfaces"],
      });
      equal((await program.exit(10_000)).code, 3);
      equal(program.errors.length, 2, program.errors.join("\n"));
      match(program.errors[0], /^Looking for udpchat servers/);
      match(program.errors[1], /Network access was not granted: run with --allow-net/);
    } finally {
      await lan.close();
    }
  },
});
