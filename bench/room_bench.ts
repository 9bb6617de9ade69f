/**
 * Micro-benchmarks of the protocol core: `deno bench bench/room_bench.ts`.
 */

import type { Address } from "../lib/address.ts";
import { encodeFrame, encodePadded } from "../lib/frame.ts";
import { decodeClientDatagram } from "../lib/decode.ts";
import { Room } from "../lib/room.ts";

const decoder = new TextDecoder();

/** Joins through the handshake (join, retry, join with the cookie) and returns the token. */
function join(room: Room, address: Address, nick: string): string {
  const frames = () => room.poll().transmits.map(({ data }) => JSON.parse(decoder.decode(data)));
  const session = `s${address.port}`;
  room.receive(encodePadded({ type: "join", nick, session }, 256), address, 0);
  const { cookie } = frames().find((frame) => frame.type === "retry");
  room.receive(encodePadded({ type: "join", nick, session, cookie }, 256), address, 0);
  return frames().find((frame) => frame.type === "welcome").token;
}

function roomWith(members: number): { room: Room; tokens: Map<number, string> } {
  const room = new Room({ maxBacklog: 1e9, maxPerIp: 0, rate: 1e6 }); // the relay, not the limits
  const tokens = new Map<number, string>();
  for (let i = 0; i < members; i++) {
    const address = { hostname: "10.0.0.2", port: 1000 + i };
    tokens.set(address.port, join(room, address, `m${i}`));
  }
  room.poll();
  return { room, tokens };
}

const sender = { hostname: "10.0.0.2", port: 1000 };
const text = "a typical chat line of about sixty characters, give or take";

Deno.bench("decode one chat frame", () => {
  decodeClientDatagram(encodeFrame({ type: "msg", token: "k3j9x2abcdefghijklmnop", n: 1, text }));
});

for (const members of [2, 30]) {
  const { room, tokens } = roomWith(members);
  const token = tokens.get(sender.port)!;
  let n = 0;
  let now = 1;
  Deno.bench(`relay one message to ${members} members (receive, encode once, queue, poll)`, () => {
    room.receive(encodeFrame({ type: "msg", token, n: ++n, text }), sender, now);
    const { transmits } = room.poll();
    // Members acknowledge, so streams do not grow without bound.
    for (const { to } of transmits) {
      if (to.port === sender.port) continue;
      room.receive(encodeFrame({ type: "ack", token: tokens.get(to.port)!, n, sack: [] }), to, now);
    }
    room.poll();
    now++;
  });
}
