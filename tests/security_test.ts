/**
 * Attacks on the real programs over real UDP on loopback, as a student with
 * root on the same LAN would make them: datagrams with forged source
 * addresses (tests/forge.ts), a member who plays foul (tests/raw_client.ts).
 * None of them may show, rename, kick, silence or stop anyone.
 */

import { equal, ok } from "node:assert/strict";
import type { Address } from "../lib/address.ts";
import { encodeFrame, encodePadded } from "../lib/frame.ts";
import { Forger, forgeSkipReason } from "./forge.ts";
import { type Program, startClient, startServer, stopAll } from "./process.ts";
import { RawClient } from "./raw_client.ts";

const skip = await forgeSkipReason();
if (skip) console.log(`SKIPPED security_test.ts: ${skip}`);

const ofType = (client: Program, type: string) => client.json().filter((e) => e.type === type);
const loopback = (port: number): Address => ({ hostname: "127.0.0.1", port });
const settle = (ms = 400) => new Promise((resolve) => setTimeout(resolve, ms));

/** A member's address, from the server's log line about its join. */
async function addressOf(server: Program, nick: string): Promise<Address> {
  await server.waitFor((s) => s.lines.some((l) => l.includes(`--> ${nick} joined from`)));
  const line = server.lines.find((l) => l.includes(`--> ${nick} joined from`))!;
  const [, port] = /from 127\.0\.0\.1:(\d+)/.exec(line)!;
  return loopback(Number(port));
}

/** A room with two members for an attack to try to disturb. */
interface Room {
  server: Program;
  port: number;
  alice: Program;
  bob: Program;
  forger: Forger;
}

/** Runs `attack` against a fresh room with alice and bob in it, and cleans up after. */
async function withRoom(attack: (room: Room) => Promise<void>): Promise<void> {
  const { server, port } = await startServer();
  const forger = new Forger();
  let alice: Program | undefined, bob: Program | undefined;
  try {
    alice = await startClient(port, "alice");
    bob = await startClient(port, "bob");
    await attack({ server, port, alice, bob, forger });
  } finally {
    await forger.close().catch(() => {});
    await stopAll(alice, bob, server);
  }
}

/** Frames of every kind a forger might try, claiming to be a member (no valid token). */
function forgedMemberFrames(nick: string): string[] {
  const token = "AAAAAAAAAAAAAAAAAAAAAA";
  const frames: string[] = [];
  for (let n = 1; n <= 400; n++) {
    frames.push(JSON.stringify({ udpchat: 2, type: "msg", token, n, text: `forged ${n}` }));
    frames.push(JSON.stringify({ udpchat: 2, type: "msg", n, text: `forged ${n}` }));
  }
  for (let n = 1; n <= 20; n++) {
    frames.push(JSON.stringify({ udpchat: 2, type: "rename", token, n, nick: "pwned" }));
    frames.push(JSON.stringify({ udpchat: 2, type: "leave", token, n }));
  }
  frames.push("forged plain text", "quit()");
  // Another nick, and the same nick with a new session: both need a cookie the forger never sees.
  for (const [who, session] of [["mallory", "m1"], [nick, "renew"]]) {
    frames.push(new TextDecoder().decode(encodePadded({ type: "join", nick: who, session }, 256)));
    const cookie = `${Math.floor(Date.now() / 10_000).toString(36)}.AAAAAAAAAAAAAAAAAAAAAA`;
    frames.push(
      new TextDecoder().decode(encodePadded({ type: "join", nick: who, session, cookie }, 256)),
    );
  }
  return frames;
}

Deno.test({
  name: "forged frames from a member's address neither speak, rename, kick nor swap her out",
  ignore: skip !== undefined,
  fn: () =>
    withRoom(async ({ server, port, alice, bob, forger }) => {
      const from = await addressOf(server, "alice");
      for (const frame of forgedMemberFrames("alice")) forger.send(from, loopback(port), frame);
      await forger.close();
      await settle();
      await alice.type("the real alice");
      await bob.waitFor((c) => c.messages().some((m) => m.text === "the real alice"));
      ok(!bob.messages().some((m) => m.text.startsWith("forged")), "no forged message shown");
      equal(ofType(bob, "rename").length, 0, "nobody renamed");
      equal(ofType(bob, "leave").length, 0, "nobody kicked");
      equal(ofType(bob, "join").filter((e) => e.nick === "mallory").length, 0, "no swap");
      equal(ofType(alice, "reconnecting").length, 0, "alice's session untouched");
      // Her message is delivered, not swallowed.
      await alice.waitFor((c) => ofType(c, "delivered").length === 1, 5000, "delivered");
    }),
});

Deno.test({
  name: "forged server frames at a client show nothing, poison nothing and stop nothing",
  ignore: skip !== undefined,
  fn: () =>
    withRoom(async ({ server, port, alice, bob, forger }) => {
      const to = await addressOf(server, "alice");
      const token = "AAAAAAAAAAAAAAAAAAAAAA";
      const event = (n: number, seq: number) =>
        JSON.stringify({
          udpchat: 2,
          token,
          n,
          type: "msg",
          seq,
          from: "teacher",
          text: "fake teacher",
          time: 0,
        });
      for (let n = 1; n <= 400; n++) forger.send(loopback(port), to, event(n, n + 2));
      forger.send(loopback(port), to, event(401, 2 ** 53 - 1)); // seq poison
      forger.send(loopback(port), to, event(402, 2 ** 53 - 1).replace(`,"token":"${token}"`, ""));
      forger.send(loopback(port), to, encodeFrame({ type: "closing", token }));
      const removed = { type: "removed" as const, token, action: "ban", text: "forged" };
      forger.send(loopback(port), to, encodeFrame(removed));
      forger.send(loopback(port), to, '{"udpchat":2,"type":"closing"}');
      forger.send(
        loopback(port),
        to,
        encodeFrame({ type: "refused", session: "x", code: "room-full", reason: "go away" }),
      );
      forger.send(
        loopback(port),
        to,
        encodeFrame({ type: "error", code: "not-joined", message: "you left" }),
      );
      await forger.close();
      await settle(1500); // a forged not-joined only makes alice ping; the server answers
      await bob.type("after the storm");
      await alice.waitFor((c) => c.messages().some((m) => m.text === "after the storm"));
      ok(!alice.messages().some((m) => m.from === "teacher"), "no fake teacher");
      equal(ofType(alice, "reconnecting").length, 0, "no reconnect forced");
      equal(ofType(alice, "refused").length, 0);
      equal(ofType(alice, "removed").length, 0, "only the teacher removes, and only for real");
      await alice.type("still here");
      await bob.waitFor((c) => c.messages().some((m) => m.text === "still here"));
    }),
});

Deno.test({
  name: "a member cannot pre-empt another's message ids",
  ignore: skip !== undefined,
  fn: () =>
    withRoom(async ({ port, alice, bob }) => {
      const eve = await RawClient.join(port, "eve");
      try {
        await alice.type("first");
        await bob.waitFor((c) => c.messages().some((m) => m.text === "first"));
        const seen = bob.json().find((e) => e.type === "message" && e.text === "first")!;
        const prefix = String(seen.id).replace(/-1$/, "");
        for (const k of [2, 3, 4]) {
          await eve.request({ type: "msg", id: `${prefix}-${k}`, text: "." });
        }
        await bob.waitFor((c) => c.messages().filter((m) => m.text === ".").length === 3);
        await alice.type("second", "third", "fourth");
        await bob.waitFor((c) => c.messages().some((m) => m.text === "fourth"));
        for (const text of ["second", "third"]) ok(bob.messages().some((m) => m.text === text));
        await alice.waitFor((c) => ofType(c, "delivered").length === 4, 5000, "4 delivered");
        equal(ofType(alice, "failed").length, 0);
      } finally {
        await eve.close();
      }
    }),
});

Deno.test({
  name: "look-alike and blank nicknames are refused with a reason",
  ignore: skip !== undefined,
  fn: async () => {
    const { server, port } = await startServer();
    let alice;
    try {
      alice = await startClient(port, "alice");
      const refusals: Array<[string, RegExp]> = [
        ["аӏісе", /looks like 'alice'/], // all Cyrillic
        ["a1ice", /looks like 'alice'/],
        ["аlice", /mixes Cyrillic and Latin/],
        ["\u3164", /invisible/],
        ["\u2800bob", /invisible/],
        ["***", /letter, digit or emoji/],
        ["-->", /letter, digit or emoji/],
      ];
      for (const [nick, reason] of refusals) {
        const refused = await RawClient.join(port, nick).catch((error) => error as Error);
        ok(refused instanceof Error && reason.test(refused.message), `${nick}: ${refused}`);
      }
      // The fullwidth form is the same name after NFKC: a variant is granted, not a twin.
      const wide = await RawClient.join(port, "ａｌｉｃｅ");
      const welcome = wide.frames.find((f) => f.type === "welcome")!;
      equal(welcome.nick, "alice2");
      await wide.close();
    } finally {
      await stopAll(alice, server);
    }
  },
});
