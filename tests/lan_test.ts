/**
 * A small LAN inside this machine: a server and three clients, each in its
 * own network namespace on a bridge, with nftables dropping 30% of incoming
 * UDP datagrams at random on every host. Needs root, `ip` and `nft`; without
 * them the test says it is skipped.
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { Lan, lanUnavailable } from "./netns.ts";
import { Program, stopAll } from "./process.ts";

const LOSS = 30;
const PER_CLIENT = 100;
const CLIENTS = 3;

const skip = await lanUnavailable();
if (skip) console.log(`SKIPPED lan_test.ts: ${skip}`);

Deno.test({
  name:
    `LAN of namespaces with ${LOSS}% loss on every host: ${CLIENTS} clients × ${PER_CLIENT} messages, identical complete transcripts`,
  ignore: skip !== undefined,
  sanitizeResources: false, // child processes inside namespaces are awaited below
  fn: async () => {
    const lan = await Lan.create("l", CLIENTS + 1);
    const [serverHost, ...clientHosts] = lan.hosts;
    const clients: Program[] = [];
    let server: Program | undefined;
    try {
      for (const host of lan.hosts) {
        await lan.inputRule(host, `meta l4proto udp numgen random mod 100 < ${LOSS} drop`);
      }
      // The room's rate raised: this measures recovery from loss, not pacing.
      server = new Program(
        "server.ts",
        ["--port", "9999", "--name", "lossy lan", "--rate", "1000"],
        {
          netns: serverHost.ns,
        },
      );
      await server.waitForLine("listening on");
      const start = (i: number) =>
        new Program("client.ts", [serverHost.ip, "--nick", `host${i + 1}`, "--json"], {
          stdin: true,
          netns: clientHosts[i].ns,
        });
      for (const i of clientHosts.keys()) clients.push(start(i));
      for (const i of clientHosts.keys()) {
        // A join must get through four lossy crossings (join, retry, join, welcome), and a client
        // gives up after 5 s without an answer: one that does is started again, as a student
        // would. What this test measures is delivery once in, not a join's patience.
        for (let attempt = 1;; attempt++) {
          await clients[i].waitFor(
            (c) => c.json().some((e) => e.type === "connected" || e.type === "unreachable"),
            15_000,
            "join over the lossy LAN",
          );
          if (clients[i].json().some((e) => e.type === "connected")) break;
          if (attempt === 3) throw new Error(`host${i + 1} could not join in 3 tries`);
          await clients[i].exit();
          clients[i] = start(i);
        }
      }
      const started = Date.now();
      await Promise.all(
        clients.map((client, i) =>
          client.type(...Array.from({ length: PER_CLIENT }, (_, k) => `host${i + 1} #${k}`))
        ),
      );
      const total = CLIENTS * PER_CLIENT;
      for (const client of clients) {
        await client.waitFor((c) => c.transcript().length >= total, 120_000, `${total} messages`);
      }
      const fullDelivery = Date.now() - started;
      const reference = clients[0].transcript();
      for (const client of clients) {
        deepEqual(client.transcript(), reference, "identical transcripts");
        equal(new Set(client.transcript()).size, total, "no duplicates");
        await client.waitFor(
          (c) => c.json().filter((e) => e.type === "delivered").length === PER_CLIENT,
          30_000,
        );
        equal(client.json().filter((e) => e.type === "failed").length, 0, "nothing failed");
      }
      for (const client of clients) await client.endInput();
      const left = [];
      for (const client of clients) {
        equal((await client.exit(15_000)).code, 0);
        left.push(client.json().find((e) => e.type === "left")!);
      }
      server.kill("SIGTERM");
      equal((await server.exit()).code, 0);
      const stats = /(\d+) stream frames sent, (\d+) retransmitted/.exec(server.lines.join("\n"));
      ok(stats, "server statistics");
      const upSent = left.reduce((sum, e) => sum + Number(e.sent), 0);
      const upRetransmitted = left.reduce((sum, e) => sum + Number(e.retransmitted), 0);
      console.log(
        `LAN report: ${total} messages, ${LOSS}% loss on input of every host; all ${CLIENTS} transcripts identical; ` +
          `full delivery in ${(fullDelivery / 1000).toFixed(1)} s; ` +
          `client→server: ${upSent} frames, ${upRetransmitted} retransmitted (${
            (upRetransmitted / upSent).toFixed(2)
          }/frame); ` +
          `server→clients: ${stats![1]} frames, ${stats![2]} retransmitted (${
            (Number(stats![2]) / Number(stats![1])).toFixed(2)
          }/frame)`,
      );
    } finally {
      await stopAll(...clients, server);
      await lan.close();
    }
  },
});
