/**
 * The benchmark's floor for a relay in Deno: the tutorial's behaviour (relay
 * each datagram to every other address seen) and nothing else, sent through
 * udpchat's own fast path (`lib/io/batch_send.ts`). No frames, checks, log or
 * timers: the gap between this and the server is the server's own work, and
 * the gap between this and the C relay is Deno's runtime and the FFI path.
 *
 *   deno run --unstable-net --allow-net --allow-ffi bench/load/floor_relay.ts PORT
 *
 * @module
 */

import { BatchSender } from "../../lib/io/batch_send.ts";

const port = Number(Deno.args[0]);
const conn = Deno.listenDatagram({ hostname: "127.0.0.1", port, transport: "udp" });
const portable = (to: { hostname: string; port: number }, data: Uint8Array) =>
  void conn.send(data, { transport: "udp", hostname: to.hostname, port: to.port });
const sender = BatchSender.open(conn, portable);
if (typeof sender === "string") throw new Error(`No fast path: ${sender}`);
const members = new Map<string, { hostname: string; port: number }>();
const buffer = new Uint8Array(65536);
console.log(`listening on ${port}`);
for (;;) {
  const [data, from] = await conn.receive(buffer);
  const { hostname, port } = from as Deno.NetAddr;
  const key = `${hostname}:${port}`;
  // One copy for every member, as the server shares one line: under load the lanes send it later.
  const line = data.slice();
  for (const [other, address] of members) if (other !== key) sender.send(address, line);
  sender.flush();
  if (!members.has(key)) members.set(key, { hostname, port });
}
