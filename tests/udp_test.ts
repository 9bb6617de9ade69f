/**
 * The one socket loop, over real UDP on loopback: it feeds datagrams to its
 * machine, sends what the machine queues, reports its events, fires its timer
 * at the machine's deadline, and closes cleanly.
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import type { Address, Transmit } from "../lib/address.ts";
import { UdpEndpoint } from "../lib/io/udp.ts";
import type { Machine } from "../lib/machine.ts";
import { DatagramArena } from "../lib/datagram_arena.ts";

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

/** Counts its polls, and notes whether each datagram came with more waiting behind it. */
class BurstCounter extends Shouter {
  polls = 0;
  queued: boolean[] = [];

  override receive(data: Uint8Array, from: Address, now: number, inputQueued = false): void {
    this.queued.push(inputQueued);
    super.receive(data, from, now);
  }

  override poll(): { transmits: Transmit[]; events: string[] } {
    const out = super.poll();
    if (out.transmits.length > 0) this.polls++;
    return out;
  }
}

/**
 * An endpoint on the fast path around `machine`, and a peer socket to talk to it; undefined (with
 * a line that says the test skipped) where this system has no fast path, once all are closed.
 */
async function onFastPath<E>(machine: Machine<E>, others: Deno.DatagramConn[] = []) {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const peer = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const endpoint = new UdpEndpoint(conn, machine, () => {});
  const path = endpoint.sendInBatches();
  if (!path.startsWith("sendmmsg")) {
    await endpoint.close();
    for (const socket of [peer, ...others]) socket.close();
    console.log(`skipped: no fast path here (${path})`);
    return undefined;
  }
  return { endpoint, peer, to: conn.addr as Deno.NetAddr };
}

Deno.test("UdpEndpoint on the fast path reads a waiting burst before it answers, and answers all of it", async () => {
  const machine = new BurstCounter();
  const fast = await onFastPath(machine);
  if (fast === undefined) return;
  const { endpoint, peer, to } = fast;
  // Forty datagrams wait in the socket before the loop starts reading.
  for (let i = 0; i < 40; i++) await peer.send(encoder.encode(`m${i}`), to);
  const running = endpoint.run();
  try {
    const answers: string[] = [];
    while (answers.length < 40) {
      const [data] = await within(5000, peer.receive());
      answers.push(decoder.decode(data));
    }
    deepEqual(answers, Array.from({ length: 40 }, (_, i) => `M${i}`), "every one, in order");
    equal(machine.queued.filter((queued) => !queued).length >= 1, true);
    equal(machine.queued.slice(0, 15).every((queued) => queued), true, `${machine.queued}`);
    // At most 16 a turn: three turns at least, and far fewer than forty.
    ok(machine.polls >= 3 && machine.polls <= 6, `${machine.polls} polls`);
  } finally {
    await endpoint.close();
    await running;
    peer.close();
  }
});

Deno.test("UdpEndpoint on the fast path answers a lone datagram at once, between bursts too", async () => {
  const machine = new BurstCounter();
  const fast = await onFastPath(machine);
  if (fast === undefined) return;
  const { endpoint, peer, to } = fast;
  const running = endpoint.run();
  try {
    // The loop reads one datagram ahead: with nothing behind a datagram, it must not wait for one.
    for (const round of [1, 2, 3]) {
      for (let i = 0; i < 5; i++) await peer.send(encoder.encode(`b${round}.${i}`), to);
      for (let i = 0; i < 5; i++) await within(2000, peer.receive());
      await new Promise((resolve) => setTimeout(resolve, 20));
      await peer.send(encoder.encode(`lone${round}`), to);
      const [answer] = await within(2000, peer.receive());
      equal(decoder.decode(answer), `LONE${round}`);
      equal(machine.queued.at(-1), false, "nothing waited behind the lone one");
    }
  } finally {
    await endpoint.close();
    await running;
    peer.close();
  }
});

/** On "burst", writes `per` datagrams to each sink in its arena, numbered per sink. */
class Burster implements Machine<never> {
  readonly arena = new DatagramArena();
  readonly #sinks: Address[];
  readonly #per: number;
  readonly #size: number;
  #transmits: Transmit[] = [];
  #sent = 0;

  constructor(sinks: Address[], per: number, size = 12) {
    this.#sinks = sinks;
    this.#per = per;
    this.#size = size;
  }

  receive(): void {
    for (let i = 0; i < this.#per; i++) {
      for (const to of this.#sinks) {
        const data = this.arena.take(this.#size);
        data.fill(0x20).set(encoder.encode(String(this.#sent + i)));
        this.#transmits.push({ to, data });
      }
    }
    this.#sent += this.#per;
  }

  tick(): void {}

  deadline(): undefined {
    return undefined;
  }

  poll(): { transmits: Transmit[]; events: never[] } {
    const transmits = this.#transmits;
    this.#transmits = [];
    return { transmits, events: [] };
  }
}

/**
 * Runs a {@linkcode Burster} on the fast path to 50 sinks: `bursts` datagrams to it, `gap(i)` ms
 * apart, each answered with `per` datagrams of `size` bytes for every sink. Checks that every sink
 * heard all of them, intact and in order.
 *
 * @returns The machine and when the endpoint said it was busy, or undefined off the fast path.
 */
async function burstToSinks(
  per: number,
  size: number,
  bursts: number,
  gap: (i: number) => number,
): Promise<{ machine: Burster; busy: number[] } | undefined> {
  const sinks = Array.from(
    { length: 50 },
    () => Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }),
  );
  const machine = new Burster(sinks.map((sink) => sink.addr as Deno.NetAddr), per, size);
  const fast = await onFastPath(machine, sinks);
  if (fast === undefined) return undefined;
  const { endpoint, peer, to } = fast;
  const busy: number[] = [];
  endpoint.whileBusy((now) => busy.push(now));
  const running = endpoint.run();
  const heard = sinks.map(() => [] as string[]);
  const listening = sinks.map(async (sink, s) => {
    while (heard[s].length < bursts * per) {
      const [data] = await within(5000, sink.receive());
      heard[s].push(decoder.decode(data).trim());
    }
  });
  try {
    for (let i = 0; i < bursts; i++) {
      await peer.send(encoder.encode("burst"), to);
      await new Promise((resolve) => setTimeout(resolve, gap(i)));
    }
    await Promise.all(listening);
    const expected = Array.from({ length: bursts * per }, (_, i) => String(i));
    for (const sequence of heard) deepEqual(sequence, expected, "each intact and in order");
    return { machine, busy };
  } finally {
    await endpoint.close();
    await running;
    for (const socket of [peer, ...sinks]) socket.close();
  }
}

Deno.test("UdpEndpoint on the fast path reuses its machine's arena turn after turn, and says when it is busy", async () => {
  // 50 sinks, 12 datagrams each a burst: all of a run fits in a sink's receive buffer unread. 600
  // datagrams a burst (more than 500 in a 10 ms window is busy), 1 or 20 ms apart; each turn writes
  // in memory the last one used.
  const run = await burstToSinks(12, 12, 8, (i) => i % 2 === 0 ? 1 : 20);
  if (run === undefined) return;
  ok(run.machine.arena.size > 0);
  ok(run.busy.length > 0, "busy after a burst of 600");
});

Deno.test("UdpEndpoint on the fast path sends turns larger than its lanes should hold, intact and in order", async () => {
  // 700 KB a turn (50 sinks, 14 datagrams of 1,000 bytes each), as a join storm's member list and
  // notices make: the loop reads no more until the lanes have sent it, then goes on.
  await burstToSinks(14, 1000, 6, () => 5);
});
