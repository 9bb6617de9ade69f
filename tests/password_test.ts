/**
 * The room password on the real programs: a packet capture of a chat holds
 * none of the typed text, a wrong password gets a clear refusal, and a
 * plain-text client is turned away politely. Without a password the same
 * capture shows the text: reading it is part of the lesson.
 */

import { equal, match, ok } from "node:assert/strict";
import { rootToolSkipReason } from "./forge.ts";
import { freePort, Program, startClient, startServer, stopAll } from "./process.ts";

const SECRET = "the answer to question three is 42";

const skip = await rootToolSkipReason("capturing packets", "tcpdump");
if (skip) console.log(`SKIPPED password_test.ts (capture part): ${skip}`);

/** Runs a chat between two clients on loopback, captured; returns the capture's bytes. */
async function capturedChat(password?: string): Promise<Uint8Array> {
  const port = freePort();
  const file = await Deno.makeTempFile({ suffix: ".pcap" });
  const tcpdump = new Deno.Command("tcpdump", {
    args: ["-i", "lo", "--immediate-mode", "-U", "-w", file, "udp", "port", String(port)],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const env: Record<string, string> = password ? { UDPCHAT_PASSWORD: password } : {};
  const { server } = await startServer([], port, { env });
  const clients: Program[] = [];
  try {
    await new Promise((resolve) => setTimeout(resolve, 300)); // tcpdump starting
    for (const nick of ["alice", "bob"]) clients.push(await startClient(port, nick, [], { env }));
    await clients[0].type(SECRET);
    await clients[1].waitFor((c) => c.messages().some((m) => m.text === SECRET));
  } finally {
    await stopAll(...clients, server);
    await new Promise((resolve) => setTimeout(resolve, 300));
    tcpdump.kill("SIGINT");
    await tcpdump.output();
  }
  const capture = await Deno.readFile(file);
  await Deno.remove(file);
  return capture;
}

Deno.test({
  name: "with a password, a capture of the chat holds none of the typed text; without, it does",
  ignore: skip !== undefined,
  fn: async () => {
    const sealed = new TextDecoder("latin1").decode(await capturedChat("tulip"));
    ok(sealed.includes('"type":"sealed"'), "the capture saw the chat");
    ok(!sealed.includes("question three"), "no typed text in the capture");
    ok(!sealed.includes("tulip"), "no password in the capture");
    const open = new TextDecoder("latin1").decode(await capturedChat());
    ok(open.includes(SECRET), "without a password, frames are readable JSON");
  },
});

Deno.test("a wrong or missing password gets a clear refusal; nc is turned away politely", async () => {
  const port = freePort();
  const env = { UDPCHAT_PASSWORD: "tulip" };
  const { server } = await startServer([], port, { env });
  const nc = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    await server.waitForLine("room password set"); // printed just after "listening on"
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ UDPCHAT_PASSWORD: "rose" }, /refused to let you in: Wrong room password/],
      [{}, /refused to let you in: this room has a password: start the client with --password/],
    ];
    for (const [clientEnv, message] of cases) {
      const client = new Program("client.ts", [`127.0.0.1:${port}`, "--nick", "eve"], {
        stdin: true,
        env: clientEnv,
      });
      const status = await client.exit();
      equal(status.code, 4, client.errors.join("\n"));
      match(client.errors.join("\n"), message);
    }
    await nc.send(new TextEncoder().encode("hello, can I join this room please? I am new here\n"), {
      transport: "udp",
      hostname: "127.0.0.1",
      port,
    });
    const [answer] = await nc.receive();
    equal(
      new TextDecoder().decode(answer),
      '* udpchat "udpchat" needs a password: join with the udpchat client\n',
    );
  } finally {
    nc.close();
    await stopAll(server);
  }
});
