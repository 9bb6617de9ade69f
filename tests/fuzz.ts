/**
 * Hostile datagrams for fuzzing: random bytes, and real v2 frames of every
 * type mutated — bytes flipped, cut short, fields swapped for other types,
 * numbers pushed to their limits. Seeded, so a failure can be replayed.
 *
 * @module
 */

import type { Address } from "../lib/address.ts";
import { encodeFrame, encodePadded } from "../lib/frame.ts";
import { Forger } from "./forge.ts";
import { type Program, startClient, startServer, stopAll } from "./process.ts";
import { seeded } from "./sim.ts";

const TOKEN = "AAAAAAAAAAAAAAAAAAAAAA";

/** Real frames of every kind, to mutate. */
function templates(): Uint8Array[] {
  const events = [
    { type: "msg", seq: 5, from: "bob", text: "hi", time: 0, id: "x-1" },
    { type: "join", seq: 6, nick: "bob", time: 0 },
    { type: "leave", seq: 7, nick: "bob", reason: "quit", time: 0 },
    { type: "members", members: ["a", "b"], roster: true },
  ] as const;
  return [
    encodePadded({ type: "join", nick: "fuzz", session: "s", cookie: "1.abc" }, 256),
    encodeFrame({ type: "msg", token: TOKEN, n: 1, text: "hello", id: "f-1" }),
    encodeFrame({ type: "pm", token: TOKEN, n: 2, to: "bob", text: "x", more: true }),
    encodeFrame({ type: "rename", token: TOKEN, n: 3, nick: "z" }),
    encodeFrame({ type: "ack", token: TOKEN, n: 9, sack: [11, 12] }),
    encodeFrame({ type: "ping", token: TOKEN, t: 1 }),
    encodeFrame({ type: "sealed", token: TOKEN, box: "AAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAA" }),
    encodeFrame({ type: "retry", session: "s", cookie: "c", salt: "q" }),
    encodeFrame({ type: "closing", token: TOKEN }),
    encodeFrame({ type: "refused", session: "s", code: "room-full", reason: "full" }),
    encodePadded({ type: "discover", nonce: "n" }, 256),
    ...events.map((event, i) =>
      new TextEncoder().encode(JSON.stringify({ udpchat: 2, token: TOKEN, n: i + 1, ...event }))
    ),
  ];
}

const WEIRD = ['""', "-1", "1e308", "9007199254740993", "null", "[]", "{}", "true", '"\\u0000"'];

/**
 * Yields `count` hostile datagrams.
 *
 * @param seed Seed of the generator.
 * @param count How many.
 */
export function* hostileDatagrams(seed: number, count: number): Generator<Uint8Array> {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const bases = templates();
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.2) {
      yield Uint8Array.from({ length: Math.floor(random() * 1400) }, () => random() * 256);
      continue;
    }
    let data = pick(bases).slice();
    if (roll < 0.5) {
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
        data[Math.floor(random() * data.length)] = random() * 256;
      }
    } else if (roll < 0.65) {
      data = data.subarray(0, Math.floor(random() * data.length));
    } else {
      // Swap a value for one of another type, or at a limit.
      const text = new TextDecoder().decode(data);
      const swapped = text.replace(
        /:("[^"]*"|-?\d+(\.\d+)?|\[[^\]]*\]|true|false)/,
        () => `:${pick(WEIRD)}`,
      );
      data = new TextEncoder().encode(
        roll < 0.8 ? swapped : swapped.replace('"udpchat":2', '"udpchat":1'),
      );
    }
    yield data;
  }
}

/** Resident memory of a process, in MB. */
async function rssOf(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] })
    .output();
  return Number(new TextDecoder().decode(stdout).trim()) / 1024;
}

/**
 * Sends `count` hostile datagrams, half at the server from many addresses,
 * half at the client from the server's address, while the two members chat.
 *
 * @returns The figures.
 */
export async function fuzz(count: number, seed = 1): Promise<Record<string, number>> {
  const { server, port } = await startServer();
  let alice: Program | undefined, bob: Program | undefined;
  try {
    alice = await startClient(port, "alice");
    bob = await startClient(port, "bob");
    const line = server.lines.find((l) => l.includes("--> alice joined from"))!;
    const alicePort = Number(/127\.0\.0\.1:(\d+)/.exec(line)![1]);
    const serverAddress: Address = { hostname: "127.0.0.1", port };
    const rssBefore = await rssOf(server.pid);
    const forger = new Forger();
    let i = 0;
    for (const data of hostileDatagrams(seed, count)) {
      if (i % 2 === 0) {
        forger.send({ hostname: "127.0.0.1", port: 20000 + (i % 20000) }, serverAddress, data);
      } else {
        forger.send(serverAddress, { hostname: "127.0.0.1", port: alicePort }, data);
      }
      if (++i % 5000 === 0) {
        await forger.flush();
        await alice.type(`alice ${i}`);
        await bob.type(`bob ${i}`);
      }
    }
    await forger.close();
    const rounds = count / 5000;
    await alice.waitFor(
      (c) => c.messages().filter((m) => m.from === "bob").length === rounds,
      30_000,
    );
    await bob.waitFor(
      (c) => c.messages().filter((m) => m.from === "alice").length === rounds,
      30_000,
    );
    const rssAfter = await rssOf(server.pid);
    const reconnects = alice.json().filter((e) => e.type === "reconnecting");
    server.kill("SIGTERM");
    const status = await server.exit();
    return {
      datagrams: count,
      exitCode: status.code,
      rssBeforeMB: Math.round(rssBefore),
      rssAfterMB: Math.round(rssAfter),
      aliceReconnects: reconnects.length,
      aliceFailed: alice.json().filter((e) => e.type === "failed").length,
      bobFailed: bob.json().filter((e) => e.type === "failed").length,
      messagesEach: rounds,
    };
  } finally {
    await stopAll(alice, bob, server);
  }
}
