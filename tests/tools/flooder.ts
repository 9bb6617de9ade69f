/**
 * A flooder in its own process, so that it does not slow the process that
 * measures: `flooder.ts PORT MODE MS`. MODE `unpaced` joins as a v2 member and
 * sends its own stream's messages as fast as it can; `legacy` joins as a
 * plain-text member and sends lines as fast as it can; `random` forges 10,000
 * random and mutated datagrams a second from 5,000 source addresses (root,
 * python3). Prints how many it sent.
 */

import { encodeFrame } from "../../lib/frame.ts";
import { Forger } from "../forge.ts";
import { hostileDatagrams } from "../fuzz.ts";
import { RawClient } from "../raw_client.ts";

const [port, mode, ms] = [Number(Deno.args[0]), Deno.args[1], Number(Deno.args[2])];
const encoder = new TextEncoder();
if (mode === "random") {
  const forger = new Forger();
  const datagrams = hostileDatagrams(3, (ms / 1000) * 10_000);
  const start = Date.now();
  console.log("flooding");
  // Spread evenly, 100 datagrams every 10 ms, as a steady 10,000 a second.
  for (let tick = 0; tick < ms / 10; tick++) {
    for (let i = 0; i < 100; i++) {
      const from = { hostname: "127.0.0.1", port: 20000 + ((tick * 100 + i) % 5000) };
      forger.send(from, { hostname: "127.0.0.1", port }, datagrams.next().value!);
    }
    await forger.flush();
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, start + 10 * (tick + 1) - Date.now()))
    );
  }
  console.log(await forger.close());
  Deno.exit(0);
}
let send: (i: number) => Promise<unknown>;
let close = async () => {};
if (mode === "unpaced") {
  const raw = await RawClient.join(port, "flood");
  const base = raw.n;
  send = (i) =>
    raw.send(encodeFrame({ type: "msg", token: raw.token, n: base + i + 1, text: `flood ${i}` }));
  close = () => raw.close();
} else {
  const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to = { transport: "udp" as const, hostname: "127.0.0.1", port };
  await conn.send(encoder.encode("hello, let me in to the room please\n"), to);
  const [prompt] = await conn.receive();
  const code = /join (\d{4})/.exec(new TextDecoder().decode(prompt))![1];
  await conn.send(encoder.encode(`join ${code}\n`), to);
  send = (i) => conn.send(encoder.encode(`flood ${i}\n`), to);
  close = () => Promise.resolve(conn.close());
}
console.log("flooding");
const end = Date.now() + ms;
let sent = 0;
while (Date.now() < end) {
  const batch = [];
  for (let i = 0; i < 256; i++) batch.push(send(sent++).catch(() => {}));
  await Promise.all(batch);
}
await close();
console.log(sent);
