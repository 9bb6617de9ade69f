/**
 * Part of the benchmark suite (`bench/suite.ts`): one process hosting many
 * v2 members of a room, each a real `Session` on its own socket.
 *
 *   v1_members.ts PORT COUNT EXPECT [SEND]
 *
 * Joins COUNT members, prints `ready N restarted R` once all are in (or how
 * many are after 30 s; R members whose join gave up after 5 s without an
 * answer were started again, as a student would), then waits for a line
 * on standard input. Each member then sends SEND messages (paced by the
 * room's rate, as a client is); every member counts messages until it has
 * EXPECT, and the process prints how long that took. Members leave at the
 * next line.
 *
 * @module
 */

import { Session, type SessionEvent } from "../lib/session.ts";
import { UdpEndpoint } from "../lib/io/udp.ts";

const [port, count, expect, send] = Deno.args.map(Number);
const server = { hostname: "127.0.0.1", port };
const received: number[] = new Array(count).fill(0);
let finished = 0;
/** A member on a socket of its own; started again (as a student would) if its join gives up. */
function member(i: number) {
  const session = new Session({ server, nick: `m${Deno.pid % 10000}x${i}` }, Date.now());
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const endpoint = new UdpEndpoint(conn, session, (events: readonly SessionEvent[]) => {
    for (const event of events) {
      if (event.type !== "msg" || event.history) continue;
      if (++received[i] === expect) finished++;
    }
  });
  return { session, endpoint, running: endpoint.run() };
}
const members = Array.from({ length: count }, (_, i) => member(i));
let restarted = 0;

const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
/** Members still joining after this long are reported, not waited for. */
const JOIN_LIMIT = 30_000;
const joinStarted = Date.now();
const connected = () => members.filter((m) => m.session.state === "connected").length;
while (connected() < count && Date.now() - joinStarted < JOIN_LIMIT) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  for (const [i, { session, endpoint }] of members.entries()) {
    if (session.state !== "closed") continue;
    await endpoint.close();
    members[i] = member(i);
    restarted++;
  }
}
console.log(`ready ${connected()} restarted ${restarted}`);
await lines.read();
const started = performance.now();
for (const member of members) {
  for (let i = 0; i < (send || 0); i++) member.session.say(`benchmark message ${i}`, Date.now());
  member.endpoint.pump();
}
while (expect > 0 && finished < count) await new Promise((resolve) => setTimeout(resolve, 2));
console.log(JSON.stringify({ ms: performance.now() - started }));
await lines.read();
for (const member of members) {
  member.session.leave(Date.now());
  member.endpoint.pump();
}
await new Promise((resolve) => setTimeout(resolve, 300));
for (const member of members) await member.endpoint.close();
await Promise.all(members.map((m) => m.running));
