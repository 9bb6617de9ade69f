/**
 * Bounded resources under spoofed floods: 100,000 joins and 100,000 plain-text
 * lines, each from a different forged address, at the real server. The room
 * keeps no state it would retransmit to an unproved address, so memory stays
 * flat, newcomers still get in and the members chatting notice nothing.
 */

import { equal, ok } from "node:assert/strict";
import { encodePadded } from "../lib/frame.ts";
import { Forger, forgeSkipReason } from "./forge.ts";
import { type Program, startClient, startServer, stopAll } from "./process.ts";

const skip = await forgeSkipReason();
if (skip) console.log(`SKIPPED spoof_flood_test.ts: ${skip}`);

/** Resident memory of a process, in MB. */
async function rssOf(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] })
    .output();
  return Number(new TextDecoder().decode(stdout).trim()) / 1024;
}

/** The n-th of 100,000 distinct forged loopback addresses. */
const spoofed = (n: number) => ({
  hostname: `127.${1 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`,
  port: 1024 + (n % 50_000),
});

/** The n-th forged datagram of a kind: a padded join, or a plain-text line. */
function forged(kind: string, n: number): Uint8Array | string {
  return kind === "join"
    ? encodePadded({ type: "join", nick: `bot${n}`, session: `s${n}` }, 256)
    : `hello from bot ${n}, let me in\n`;
}

Deno.test({
  name: "100,000 spoofed joins and 100,000 spoofed plain-text lines: memory flat, chat unaffected",
  ignore: skip !== undefined,
  fn: async () => {
    const { server, port } = await startServer();
    let alice: Program | undefined, bob: Program | undefined, newcomer: Program | undefined;
    try {
      alice = await startClient(port, "alice");
      bob = await startClient(port, "bob");
      const cold = await rssOf(server.pid);
      const to = { hostname: "127.0.0.1", port };
      // A small flood of each kind first: the code's first run (compiling, the heap's working
      // size) costs the same whatever the flood's size; what is measured is what 100,000 add.
      for (const kind of ["join", "plain-text line"]) {
        const forger = new Forger();
        for (let n = 0; n < 2_000; n++) forger.send(spoofed(200_000 + n), to, forged(kind, n));
        await forger.close();
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const before = await rssOf(server.pid);
      const figures: string[] = [];
      for (const kind of ["join", "plain-text line"]) {
        const forger = new Forger();
        for (let n = 0; n < 100_000; n++) {
          forger.send(spoofed(n), to, forged(kind, n));
          if (n % 10_000 === 9_999) {
            await forger.flush();
            await alice.type(`${kind} ${n}`);
          }
        }
        await forger.close();
        await bob.waitFor((c) => c.messages().some((m) => m.text === `${kind} 99999`), 20_000);
        figures.push(`${kind}s: RSS ${Math.round(await rssOf(server.pid))} MB`);
      }
      newcomer = await startClient(port, "newcomer");
      await newcomer.type("made it in");
      await bob.waitFor((c) => c.messages().some((m) => m.text === "made it in"));
      // Settled memory: the lowest of six samples over three seconds (a collection may be due).
      const samples = [];
      for (let i = 0; i < 6; i++) {
        samples.push(await rssOf(server.pid));
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const after = Math.min(...samples);
      console.log(
        `spoofed floods: RSS ${Math.round(cold)} MB at start, ${Math.round(before)} MB after ` +
          `2,000 of each; ${figures.join("; ")}; ` +
          `settled ${Math.round(after)} MB`,
      );
      ok(after - before <= 20, `RSS grew ${Math.round(after - before)} MB`);
      equal(
        bob.messages().filter((m) => m.from === "alice").length,
        20,
        "every honest line arrived",
      );
      equal(alice.json().filter((e) => e.type === "reconnecting").length, 0);
      const joins = alice.json().filter((e) => e.type === "join").map((e) => e.nick);
      ok(
        joins.every((nick) => ["alice", "bob", "newcomer"].includes(String(nick))),
        "no bot got in",
      );
    } finally {
      await stopAll(alice, bob, newcomer, server);
    }
  },
});
