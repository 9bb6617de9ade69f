/**
 * End-to-end relay throughput over loopback UDP: the real server process,
 * N receiving clients and one sender (sessions in this process, each on its
 * own socket). Prints deliveries per second; run with `deno task bench`.
 *
 *   deno task bench [--members 20] [--messages 2000]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Session, type SessionEvent } from "../lib/session.ts";
import { UdpEndpoint } from "../lib/io/udp.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    members: { type: "string", default: "20" },
    messages: { type: "string", default: "2000" },
  },
});
const members = Number(values.members);
const messages = Number(values.messages);

const probe = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
const port = (probe.addr as Deno.NetAddr).port;
probe.close();
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-net",
    "server.ts",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--no-discovery",
    "--rate", // measuring the relay, not the per-member limits
    "1000",
    "--max-per-ip",
    "0",
  ],
  cwd: new URL("..", import.meta.url),
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const serverLines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
let serverLog = "";
while (!serverLog.includes("listening on")) serverLog += (await serverLines.read()).value ?? "";
const draining = (async () => {
  for (;;) {
    const { value, done } = await serverLines.read();
    if (done) return;
    serverLog += value;
  }
})();

const address = { hostname: "127.0.0.1", port };
const received = new Array(members + 1).fill(0);
const clients = Array.from({ length: members + 1 }, (_, i) => {
  const session = new Session({ server: address, nick: `b${i}` }, Date.now());
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const endpoint = new UdpEndpoint(conn, session, (events: SessionEvent[]) => {
    for (const event of events) if (event.type === "msg") received[i]++;
  });
  return { session, endpoint, running: endpoint.run() };
});
while (clients.some((c) => c.session.state !== "connected")) {
  await new Promise((r) => setTimeout(r, 20));
}

const [sender] = clients;
const started = performance.now();
for (let i = 0; i < messages; i++) {
  sender.session.say(`benchmark message ${i} with some typical length`, Date.now());
}
sender.endpoint.pump();
while (received.some((count) => count < messages)) await new Promise((r) => setTimeout(r, 5));
const seconds = (performance.now() - started) / 1000;

const deliveries = messages * (members + 1);
console.log(
  `${messages} messages to ${members + 1} members over loopback: ${seconds.toFixed(2)} s, ` +
    `${Math.round(messages / seconds)} messages/s in, ${
      Math.round(deliveries / seconds)
    } deliveries/s out ` +
    `(all in order, acknowledged and retransmitted as needed)`,
);
for (const client of clients) {
  client.session.leave(Date.now());
  client.endpoint.pump();
}
await new Promise((r) => setTimeout(r, 300));
for (const client of clients) await client.endpoint.close();
await Promise.all(clients.map((c) => c.running));
server.kill("SIGTERM");
await server.status;
await draining;
console.log(serverLog.trim().split("\n").at(-1)?.replace(/^\S+ \S+ /, "server: "));
