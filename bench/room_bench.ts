/**
 * Micro-benchmarks of the protocol core: `deno bench bench/room_bench.ts`.
 */

import { encodeFrame } from "../lib/frame.ts";
import { decodeClientDatagram } from "../lib/decode.ts";
import { Room } from "../lib/room.ts";

function roomWith(members: number): Room {
  const room = new Room({ maxBacklog: 1e9 });
  for (let i = 0; i < members; i++) {
    room.receive(encodeFrame({ type: "join", nick: `m${i}`, session: `s${i}` }), {
      hostname: "10.0.0.2",
      port: 1000 + i,
    }, 0);
  }
  room.poll();
  return room;
}

const sender = { hostname: "10.0.0.2", port: 1000 };
const text = "a typical chat line of about sixty characters, give or take";

Deno.bench("decode one chat frame", () => {
  decodeClientDatagram(encodeFrame({ type: "msg", n: 1, text }));
});

for (const members of [2, 30]) {
  const room = roomWith(members);
  let n = 0;
  let now = 1;
  Deno.bench(`relay one message to ${members} members (receive, encode once, queue, poll)`, () => {
    room.receive(encodeFrame({ type: "msg", n: ++n, text }), sender, now);
    const { transmits } = room.poll();
    // Members acknowledge, so streams do not grow without bound.
    for (const { to } of transmits) {
      if (to.port !== sender.port) room.receive(encodeFrame({ type: "ack", n, sack: [] }), to, now);
    }
    room.poll();
    now++;
  });
}
