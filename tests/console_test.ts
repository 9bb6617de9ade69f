/**
 * The teacher's console on the real programs: commands typed at the server,
 * what clients (and a plain-text member) see, and what the transcript keeps.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { freePort, PlainTextMember, Program, startClient, stopAll } from "./process.ts";

type Event = Record<string, unknown>;
const ofType = (client: Program, type: string) => client.json().filter((e) => e.type === type);
const teacher = (client: Program, action: string) =>
  ofType(client, "teacher").filter((e) => e.action === action);

Deno.test("the teacher's console: kick, ban, mute, say, topic, slow — seen by all, kept in the transcript", async () => {
  const port = freePort();
  const log = await Deno.makeTempFile({ suffix: ".jsonl" });
  const server = new Program(
    "server.ts",
    ["--host", "127.0.0.1", "--port", String(port), "--no-discovery", "--log", log],
    { stdin: true },
  );
  let alice: Program | undefined, bob: Program | undefined, again: Program | undefined;
  let nc: PlainTextMember | undefined;
  try {
    await server.waitForLine("listening on");
    alice = await startClient(port, "alice");
    bob = await startClient(port, "bob");
    nc = await PlainTextMember.joined(port);
    await alice.waitFor((c) => ofType(c, "join").length === 3);

    await server.type("/say quiz in five minutes", "/topic Networks 101: UDP", "/slow 2");
    await alice.waitFor((c) => teacher(c, "slow").length === 1);
    deepEqual(teacher(alice, "say").map((e) => e.text), ["quiz in five minutes"]);
    await nc.say("ok");
    const deadline = Date.now() + 5000;
    while (!nc.heard.includes("*** teacher: quiz in five minutes\n") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    ok(nc.heard.includes("*** teacher: quiz in five minutes\n"), nc.heard.join(""));

    await server.type("/mute bob");
    await bob.waitFor((c) => teacher(c, "mute").length === 1);
    await bob.type("can anyone hear me?");
    await bob.waitFor((c) =>
      ofType(c, "failed").some((e) => e.final && /muted by the teacher/.test(String(e.reason)))
    );
    await server.type("/unmute bob", "/who");
    await server.waitForLine("3 here:");
    await server.waitFor((s) => s.lines.some((l) => /alice +127\.0\.0\.1:\d+ +since/.test(l)));

    await server.type("/kick bob spam");
    equal((await bob.exit()).code, 5, "bob exits: removed, not reconnecting");
    match(bob.errors.join("\n"), /you were removed by the teacher: spam/);
    await alice.waitFor((c) =>
      teacher(c, "kick").some((e) => e.nick === "bob" && e.text === "spam")
    );
    ok(
      !alice.messages().some((m) => m.text === "can anyone hear me?"),
      "the muted line stayed out",
    );

    // A ban keeps the address out under a new nickname (all clients here share 127.0.0.1).
    await server.type("/ban alice 5 cheating");
    equal((await alice.exit()).code, 5);
    match(alice.errors.join("\n"), /you were banned by the teacher for 5 minutes: cheating/);
    again = new Program("client.ts", [`127.0.0.1:${port}`, "--nick", "newname", "--json"], {
      stdin: true,
    });
    equal((await again.exit()).code, 4);
    match(again.errors.join("\n"), /refused to let you in: You are banned from this room for 5/);

    server.kill("SIGTERM");
    await server.exit();
    const actions = (await Deno.readTextFile(log)).split("\n").filter((l) =>
      l.includes('"teacher"')
    )
      .map((l) => (JSON.parse(l) as Event).action);
    // Everyone at the banned IP address is removed: here alice and the plain-text member.
    deepEqual(actions, ["say", "topic", "slow", "mute", "unmute", "kick", "ban", "ban"]);
  } finally {
    await nc?.close();
    await stopAll(alice, bob, again, server);
    await Deno.remove(log);
  }
});
