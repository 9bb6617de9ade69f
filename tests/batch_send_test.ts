import { deepEqual, equal, ok } from "node:assert/strict";
import { BatchSender } from "../lib/io/batch_send.ts";
import { DatagramArena } from "../lib/datagram_arena.ts";
import type { Address } from "../lib/address.ts";

const PER_MEMBER = 3000;

/**
 * A loopback socket with the fast path on it; fails the test if there is none.
 *
 * @param portable Where what the fast path cannot send goes.
 */
function openSender(portable: (to: Address, data: Uint8Array) => void = () => {}) {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const sender = BatchSender.open(conn, portable);
  ok(sender instanceof BatchSender, String(sender));
  return { conn, sender };
}

/** Sends what is queued and waits (at most 5 s) until every member heard datagram `i`. */
async function allHeard(sender: BatchSender, heard: number[][], i: number): Promise<void> {
  await sender.flushed();
  const deadline = Date.now() + 5000;
  while (heard.some((h) => h.length <= i) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Ten member sockets, each collecting the numbers it hears until it has `count` (or is closed).
 *
 * @returns The sockets, what each heard, and their listening, done when all are.
 */
function listeningMembers(count: number) {
  const members = Array.from(
    { length: 10 },
    () => Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 }),
  );
  const heard = members.map(() => [] as number[]);
  const listening = Promise.all(members.map(async (member, m) => {
    try {
      while (heard[m].length < count) {
        const [data] = await member.receive();
        heard[m].push(Number(new TextDecoder().decode(data)));
      }
    } catch {
      // closed
    }
  }));
  return { members, heard, listening };
}

Deno.test({
  name: "BatchSender sends thousands of datagrams in few system calls, each member's in order",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const members = [0, 1].map(() =>
      Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 })
    );
    const portable: string[] = [];
    const { conn, sender } = openSender((to) => portable.push(`${to.hostname}:${to.port}`));
    const heard = members.map(() => [] as number[]);
    const listening = members.map(async (member, m) => {
      while (heard[m].length < PER_MEMBER) {
        const [data] = await member.receive();
        heard[m].push(Number(new TextDecoder().decode(data)));
      }
    });
    for (let i = 0; i < PER_MEMBER; i++) {
      for (const member of members) {
        sender.send(member.addr as Deno.NetAddr, new TextEncoder().encode(String(i)));
      }
      // A chunk at a time, each received before the next: the receivers' buffers are not tested.
      if (i % 200 === 199) {
        await allHeard(sender, heard, i);
      }
    }
    await sender.flushed();
    await Promise.all(listening);
    for (const sequence of heard) deepEqual(sequence, [...Array(PER_MEMBER).keys()]);
    equal(sender.counters.datagrams + sender.counters.fallbacks, 2 * PER_MEMBER);
    ok(sender.counters.calls <= 2 * (PER_MEMBER / 200) + 2, `${sender.counters.calls} calls`);
    deepEqual(portable, []);
    // IPv6 destinations take the portable path.
    sender.send({ hostname: "::1", port: 9 }, new Uint8Array([1]));
    deepEqual(portable, ["::1:9"]);
    await sender.close();
    conn.close();
    for (const member of members) member.close();
  },
});

Deno.test({
  name: "BatchSender under load moves small batches to its lanes and keeps each member's order",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const { conn, sender } = openSender();
    const COUNT = 600;
    const { members, heard, listening } = listeningMembers(COUNT);
    // One small batch per event, as a busy room sends them: 1,000 datagrams within a few ms,
    // then a pause for the receivers to read (their buffers are not what is tested).
    for (let i = 0; i < COUNT; i++) {
      for (const member of members) {
        sender.send(member.addr as Deno.NetAddr, new TextEncoder().encode(String(i)));
      }
      sender.flush();
      if (i % 100 === 99) {
        await allHeard(sender, heard, i);
      }
    }
    await sender.flushed();
    for (const member of members) member.close();
    await listening;
    for (const sequence of heard) deepEqual(sequence, [...Array(COUNT).keys()]);
    // Over 500 datagrams in 10 ms is busy: from then on the lanes sent in the background.
    ok(sender.counters.background > 0, JSON.stringify(sender.counters));
    await sender.close();
    conn.close();
  },
});

Deno.test({
  name: "BatchSender copies what waits from memory the caller reuses, before flush returns",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const portable: Uint8Array[] = [];
    const { conn, sender } = openSender((_, data) => portable.push(data));
    const COUNT = 600;
    const { members, heard, listening } = listeningMembers(COUNT);
    // The same memory for every batch, as the server's arena is reused turn after turn: under load
    // the lanes' calls are in flight while the next batches are queued behind them.
    const arena = new DatagramArena();
    for (let i = 0; i < COUNT; i++) {
      for (const member of members) {
        const data = arena.take(8);
        data.fill(0x20).set(new TextEncoder().encode(String(i)));
        sender.send(member.addr as Deno.NetAddr, data);
      }
      sender.flush(arena);
      arena.reset();
      for (let m = 0; m < members.length; m++) arena.take(8).fill(0x78); // "x": not a number
      arena.reset();
      if (i % 100 === 99) await allHeard(sender, heard, i);
    }
    await sender.flushed();
    for (const member of members) member.close();
    await listening;
    for (const sequence of heard) deepEqual(sequence, [...Array(COUNT).keys()]);
    ok(sender.counters.background > 0, JSON.stringify(sender.counters));
    // What goes the portable way is a copy too.
    const memory = arena.take(2).fill(0x31);
    sender.send({ hostname: "::1", port: 9 }, memory);
    memory.fill(0x78);
    deepEqual(portable.map((data) => new TextDecoder().decode(data)), ["11"]);
    await sender.close();
    conn.close();
  },
});

Deno.test({
  name: "BatchSender says when more waits than it should hold, and when the lanes have sent it",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const { conn, sender } = openSender();
    const { members, listening } = listeningMembers(Infinity);
    // 700 KB for ten members, as one turn of a join storm makes: more than the lanes should hold.
    const datagram = new Uint8Array(1000).fill(0x20);
    for (let i = 0; i < 70; i++) {
      for (const member of members) sender.send(member.addr as Deno.NetAddr, datagram);
    }
    ok(sender.backedUp, "700 KB queued is backed up");
    sender.flush();
    await sender.drained();
    ok(!sender.backedUp, "drained");
    // Nothing waits: drained resolves at once.
    await sender.drained();
    await sender.close();
    conn.close();
    for (const member of members) member.close();
    await listening;
  },
});

Deno.test("BatchSender without --allow-ffi, or on an IPv6 socket, says why it cannot", () => {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "::1", port: 0 });
  try {
    equal(BatchSender.open(conn, () => {}), "the fast path sends IPv4 only");
  } finally {
    conn.close();
  }
});

Deno.test({
  name: "BatchSender tells whether datagrams wait in its socket unread",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const { conn, sender } = openSender();
    const peer = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    equal(sender.queuedInput(), 0);
    const to = conn.addr as Deno.NetAddr;
    for (let i = 0; i < 3; i++) await peer.send(new Uint8Array(100), to);
    const deadline = Date.now() + 2000;
    while (sender.queuedInput() === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    ok(sender.queuedInput() > 300, "three datagrams, and the kernel's bookkeeping");
    for (let i = 0; i < 3; i++) await conn.receive();
    equal(sender.queuedInput(), 0);
    await sender.close();
    conn.close();
    peer.close();
  },
});

Deno.test({
  name: "BatchSender has the kernel drop a shed source's datagrams, and only that source's",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const { conn, sender } = openSender();
    // Same address, another port (a classmate behind the same NAT), and another address.
    const flooder = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const neighbour = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const other = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.2", port: 0 });
    const to = conn.addr as Deno.NetAddr;
    const sources = { flooder, neighbour, other };
    // Each source says one line, then `other` ends the round: what the server's socket heard.
    const round = async (label: string) => {
      for (const [name, socket] of Object.entries(sources)) {
        await socket.send(new TextEncoder().encode(`${label} ${name}`), to);
      }
      await other.send(new TextEncoder().encode(`${label} end`), to);
      const heard: string[] = [];
      for (;;) {
        const text = new TextDecoder().decode((await conn.receive())[0]);
        if (text.endsWith(" end")) return heard;
        heard.push(text);
      }
    };
    const start = sender.droppedInput();
    ok(sender.dropFrom([flooder.addr as Deno.NetAddr, { hostname: "::1", port: 9 }]));
    deepEqual(await round("shed"), ["shed neighbour", "shed other"]);
    equal(sender.droppedInput() - start, 1);
    ok(sender.dropFrom([]));
    deepEqual(await round("heard"), ["heard flooder", "heard neighbour", "heard other"]);
    ok(sender.dropFrom([]), "nothing to remove is not an error");
    await sender.close();
    for (const socket of [conn, flooder, neighbour, other]) socket.close();
  },
});
