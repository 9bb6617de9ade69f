/**
 * Micro-benchmarks of the protocol core: `deno bench bench/room_bench.ts`.
 */

import type { Address } from "../lib/address.ts";
import { encodeFrame, encodePadded } from "../lib/frame.ts";
import { decodeClientDatagram } from "../lib/decode.ts";
import { Room } from "../lib/room.ts";

const decoder = new TextDecoder();

/** Joins through the handshake (join, retry, join with the cookie) and returns the token. */
function join(room: Room, address: Address, nick: string, now = 0): string {
  const frames = () => room.poll().transmits.map(({ data }) => JSON.parse(decoder.decode(data)));
  const session = `s${address.port}`;
  room.receive(encodePadded({ type: "join", nick, session }, 256), address, now);
  const { cookie } = frames().find((frame) => frame.type === "retry");
  room.receive(encodePadded({ type: "join", nick, session, cookie }, 256), address, now);
  return frames().find((frame) => frame.type === "welcome").token;
}

/** Members' IP addresses by port: four ports per address, from 10.0.0.2. */
function ipOf(port: number): string {
  const i = Math.floor((port - 1000) / 4);
  return `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`;
}

function roomWith(members: number): { room: Room; tokens: Map<number, string> } {
  const room = new Room({ maxBacklog: 1e9, maxPerIp: 0, rate: 1e6 }); // the relay, not the limits
  const tokens = new Map<number, string>();
  for (let i = 0; i < members; i++) {
    // A few addresses per IP, as a classroom has: joins from one IP are rate-limited.
    const address = { hostname: ipOf(1000 + i), port: 1000 + i };
    // Joins a few milliseconds apart: the room answers a burst of newcomers at a bounded rate.
    tokens.set(address.port, join(room, address, `m${i}`, i * 10));
  }
  room.poll();
  return { room, tokens };
}

const sender = { hostname: "10.0.0.2", port: 1000 };
const text = "a typical chat line of about sixty characters, give or take";

Deno.bench("decode one chat frame", () => {
  decodeClientDatagram(encodeFrame({ type: "msg", token: "k3j9x2abcdefghijklmnop", n: 1, text }));
});

/** The highest stream number in a datagram from the room (a frame or a bundle). */
function highestNumber(data: Uint8Array): number | undefined {
  const numbers = [...decoder.decode(data).matchAll(/"n":(\d+)/g)];
  return numbers.length === 0 ? undefined : Number(numbers.at(-1)![1]);
}

for (const members of [2, 30]) {
  const { room, tokens } = roomWith(members);
  const token = tokens.get(sender.port)!;
  let n = 0;
  let now = 10_000;
  Deno.bench(`relay one message to ${members} members (receive, encode once, queue, poll)`, () => {
    room.receive(encodeFrame({ type: "msg", token, n: ++n, text }), sender, now);
    // Every member acknowledges what it was sent, as a client does, so that streams do not grow
    // (the harness reads each datagram's numbers: part of the figure).
    for (const { to, data } of room.poll().transmits) {
      const highest = highestNumber(data);
      if (highest === undefined) continue;
      const ack = encodeFrame({ type: "ack", token: tokens.get(to.port)!, n: highest, sack: [] });
      room.receive(ack, to, now);
    }
    room.poll();
    now++;
  });
}

{
  // An idle room's steady cost: members ping every 2 s; the server answers each.
  const { room, tokens } = roomWith(200);
  let now = 10_000;
  let t = 0;
  const ports = [...tokens.keys()];
  Deno.bench("answer one idle member's ping in a room of 200 (receive, pong, deadline)", () => {
    const port = ports[t++ % ports.length];
    room.receive(
      encodeFrame({ type: "ping", token: tokens.get(port)!, t: now }),
      { hostname: ipOf(port), port },
      now,
    );
    room.poll();
    room.deadline();
    now += 10;
  });
}
