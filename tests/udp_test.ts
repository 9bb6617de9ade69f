/**
 * The one socket loop, over real UDP on loopback: it feeds datagrams to its
 * machine, sends what the machine queues, reports its events, fires its timer
 * at the machine's deadline, and closes cleanly.
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import type { Address, Transmit } from "../lib/address.ts";
import { UdpEndpoint } from "../lib/io/udp.ts";
import type { Machine } from "../lib/machine.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Answers each datagram in upper case; "later" arms a 50 ms timer that reports "tick". */
class Shouter implements Machine<string> {
  #transmits: Transmit[] = [];
  #events: string[] = [];
  #timer: number | undefined;

  receive(data: Uint8Array, from: Address, now: number): void {
    const text = decoder.decode(data);
    this.#events.push(`got ${text}`);
    this.#transmits.push({ to: from, data: encoder.encode(text.toUpperCase()) });
    if (text === "later") this.#timer = now + 50;
  }

  tick(now: number): void {
    if (this.#timer !== undefined && now >= this.#timer) {
      this.#timer = undefined;
      this.#events.push("tick");
    }
  }

  deadline(): number | undefined {
    return this.#timer;
  }

  poll(): { transmits: Transmit[]; events: string[] } {
    const out = { transmits: this.#transmits, events: this.#events };
    this.#transmits = [];
    this.#events = [];
    return out;
  }
}

async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("UdpEndpoint feeds its machine, sends its answers, fires its timer and closes", async () => {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const peer = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to = conn.addr as Deno.NetAddr;
  const reported: string[] = [];
  const endpoint = new UdpEndpoint(conn, new Shouter(), (events) => reported.push(...events));
  const running = endpoint.run();
  try {
    await peer.send(encoder.encode("hello"), to);
    const [answer] = await within(5000, peer.receive());
    equal(decoder.decode(answer), "HELLO");
    await peer.send(encoder.encode("later"), to);
    await within(5000, peer.receive());
    const started = Date.now();
    while (!reported.includes("tick")) {
      ok(Date.now() - started < 5000, "the timer fired");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    deepEqual(reported, ["got hello", "got later", "tick"]);
  } finally {
    await endpoint.close();
    await running;
    peer.close();
  }
});
