/**
 * Bursts through the real programs on loopback: the protocol's window paces
 * them, so nothing depends on the kernel's receive buffer absorbing a burst.
 * The room's rate is raised (`--rate 1000`): these test delivery, not pacing.
 */

const FAST = ["--rate", "1000", "--max-per-ip", "0"];

import { deepEqual, equal } from "node:assert/strict";
import { type Program, startClient, startServer, stopAll } from "./process.ts";

Deno.test("one client pasting 1,000 lines: all arrive complete and in order", async () => {
  const { server, port } = await startServer(FAST);
  let paster, reader;
  try {
    reader = await startClient(port, "reader");
    paster = await startClient(port, "paster");
    await paster.type(...Array.from({ length: 1000 }, (_, i) => `line ${i}`));
    await reader.waitFor((c) => c.transcript().length === 1000, 60_000, "1000 messages");
    const texts = reader.transcript().map((line) => line.split(" ").slice(2).join(" "));
    deepEqual(texts, Array.from({ length: 1000 }, (_, i) => `line ${i}`));
    await paster.waitFor(
      (c) => c.json().filter((e) => e.type === "delivered").length === 1000,
      30_000,
    );
    equal(paster.json().filter((e) => e.type === "failed").length, 0);
  } finally {
    await stopAll(paster, reader, server);
  }
});

Deno.test("10 clients sending 200 messages each at once: every member gets all 2,000 in one order", async () => {
  const { server, port } = await startServer(FAST);
  const clients: Program[] = [];
  try {
    for (let i = 0; i < 10; i++) clients.push(await startClient(port, `c${i}`));
    await Promise.all(
      clients.map((client, i) =>
        client.type(...Array.from({ length: 200 }, (_, k) => `c${i} says ${k}`))
      ),
    );
    for (const client of clients) {
      await client.waitFor((c) => c.transcript().length === 2000, 120_000, "2000 messages");
    }
    const reference = clients[0].transcript();
    for (const client of clients) deepEqual(client.transcript(), reference);
    for (let i = 0; i < 10; i++) {
      const mine = reference.filter((line) => line.includes(` c${i} says `)).map((l) =>
        Number(l.split(" ").at(-1))
      );
      deepEqual(mine, Array.from({ length: 200 }, (_, k) => k), `c${i} in the order sent`);
    }
  } finally {
    await stopAll(...clients, server);
  }
});
