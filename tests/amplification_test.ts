/**
 * Amplification, measured on the real server: for every kind of datagram an
 * address that has not proved itself can send, 500 copies forged from a
 * victim's address, and the bytes the victim then receives. The figures are
 * printed (docs/SECURITY.md quotes them); the test holds each ratio to QUIC's
 * limit of 3 and checks that no victim ever receives room traffic.
 */

import { ok } from "node:assert/strict";
import type { Address } from "../lib/address.ts";
import { encodeFrame, encodePadded } from "../lib/frame.ts";
import { Forger, forgeSkipReason } from "./forge.ts";
import { Lan, lanUnavailable } from "./netns.ts";
import { Program, startClient, startServer, stopAll } from "./process.ts";

const skip = await forgeSkipReason();
if (skip) console.log(`SKIPPED amplification_test.ts: ${skip}`);

const COPIES = 500;
const decoder = new TextDecoder();

/** What the victim got, and whether any of it was room traffic. */
interface Received {
  bytes: number;
  datagrams: number;
  roomTraffic: boolean;
}

/** Listens as the victim while `attack` runs, then a moment more. */
async function asVictim(attack: (victim: Address) => Promise<void>): Promise<Received> {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const victim = { hostname: "127.0.0.1", port: (conn.addr as Deno.NetAddr).port };
  const got: Received = { bytes: 0, datagrams: 0, roomTraffic: false };
  const receiving = (async () => {
    try {
      for (;;) {
        const [data] = await conn.receive();
        got.bytes += data.length;
        got.datagrams++;
        const text = decoder.decode(data);
        const prompt = /^\* (udpchat "[^"]*": )?(type {2})?join \d{4}( {2}to enter)?\n$/;
        if (/"seq"|"welcome"|"token"/.test(text) || (!text.startsWith("{") && !prompt.test(text))) {
          got.roomTraffic = true;
        }
      }
    } catch {
      // closed
    }
  })();
  await attack(victim);
  await new Promise((resolve) => setTimeout(resolve, 800));
  conn.close();
  await receiving;
  return got;
}

function report(rows: Array<[string, number, Received]>): void {
  console.log("\nAmplification (500 forged datagrams each, from one victim address):");
  console.log("| what the forger sends | bytes sent | victim received | ratio |");
  for (const [what, sent, got] of rows) {
    const ratio = (got.bytes / sent).toFixed(3);
    console.log(`| ${what} | ${sent} | ${got.bytes} B in ${got.datagrams} datagrams | ${ratio} |`);
  }
}

Deno.test({
  name: "amplification: no reply to an unproved address, of any kind, exceeds what it sent",
  ignore: skip !== undefined,
  fn: async () => {
    const { server, port } = await startServer(["--history", "50"]);
    let filler: Program | undefined;
    const rows: Array<[string, number, Received]> = [];
    try {
      // A room with full history of long messages: what a forged join would have made us send.
      filler = await startClient(port, "filler");
      const long = "history ".repeat(2000);
      await filler.type(...Array.from({ length: 50 }, (_, i) => `${i} ${long}`));
      await filler.waitFor(
        (c) => c.json().filter((e) => e.type === "delivered").length === 50,
        30_000,
      );
      const to = { hostname: "127.0.0.1", port };
      const nick = (n: string) => encodePadded({ type: "join", nick: n, session: "forged" }, 256);
      const cases: Array<[string, Uint8Array | string]> = [
        ["join (padded), room with 50 × 16 KB history", nick("victim")],
        ["join, unpadded", encodeFrame({ type: "join", nick: "victim", session: "s" })],
        [
          "join with a 900-character nickname",
          encodeFrame({ type: "join", nick: "x".repeat(900), session: "s" }),
        ],
        ["join with a nickname that grows 18× under NFKC", nick("\ufdfa".repeat(40))],
        ["plain-text line, 1 byte", "x"],
        ["plain-text line, 40 bytes", "hello everyone, is this the chat room?\n"],
        ["frame of another version, escaped backslashes", `{"udpchat":"${"\\\\".repeat(300)}"}`],
        ["frame of an unknown type", `{"udpchat":2,"type":"teleport","x":"${"y".repeat(100)}"}`],
        [
          "member frame from a non-member",
          encodeFrame({ type: "msg", token: "t", n: 1, text: "hi" }),
        ],
      ];
      for (const [what, datagram] of cases) {
        const forger = new Forger();
        const got = await asVictim(async (victim) => {
          for (let i = 0; i < COPIES; i++) forger.send(victim, to, datagram);
          await forger.close();
        });
        rows.push([what, forger.bytes, got]);
      }
      report(rows);
      for (const [what, sent, got] of rows) {
        ok(!got.roomTraffic, `${what}: the victim received room traffic`);
        ok(got.bytes <= 3 * sent, `${what}: ${got.bytes} bytes for ${sent}`);
      }
      ok(server.lines.every((line) => !line.includes("victim joined")), "no victim joined");
    } finally {
      await stopAll(filler, server);
    }
  },
});

const lanSkip = skip ?? await lanUnavailable();

Deno.test({
  name: "amplification: discovery replies to forged probes are never larger than the probes",
  ignore: lanSkip !== undefined,
  sanitizeResources: false,
  fn: async () => {
    const lan = await Lan.create("amp", 2);
    const [h0, h1] = lan.hosts;
    let server: Program | undefined;
    try {
      // The longest name allowed, in 4-byte characters: 256 bytes, more than a probe holds.
      server = new Program("server.ts", ["--host", h0.ip, "--name", "🎓".repeat(64)], {
        netns: h0.ns,
      });
      await server.waitForLine("listening on");
      const counter = new Program("tests/tools/count_udp.ts", [h1.ip, "7777", "3000"], {
        netns: h1.ns,
        deno: ["--unstable-net", "--allow-net"],
      });
      await counter.waitForLine("listening");
      const forger = new Forger(h1.ns);
      const probe = encodePadded({ type: "discover", nonce: "n" }, 256);
      for (let i = 0; i < COPIES; i++) {
        forger.send({ hostname: h1.ip, port: 7777 }, { hostname: h0.ip, port: 9998 }, probe);
      }
      await forger.close();
      await counter.exit();
      const got = JSON.parse(counter.lines.at(-1)!) as { bytes: number; datagrams: number };
      const row: Received = { ...got, roomTraffic: false };
      report([["discovery probe (256 bytes), room name of 300 characters", forger.bytes, row]]);
      ok(got.bytes <= forger.bytes, `${got.bytes} bytes for ${forger.bytes}`);
    } finally {
      await stopAll(server);
      await lan.close();
    }
  },
});
