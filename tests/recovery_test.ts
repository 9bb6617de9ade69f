/**
 * Recovery with the real programs: server restarts with its transcript, late
 * joiners, long messages.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { freePort, Program, startClient, startServer, stopAll } from "./process.ts";

async function serverOn(port: number, args: string[]): Promise<Program> {
  return (await startServer(args, port)).server;
}

Deno.test("a server killed mid-conversation and restarted on its log: clients resume, transcripts complete, no duplicates", async () => {
  const port = freePort();
  const log = await Deno.makeTempFile({ suffix: ".jsonl" });
  let server, restarted, ann, ben;
  try {
    server = await serverOn(port, ["--log", log]);
    ann = await startClient(port, "ann");
    ben = await startClient(port, "ben");
    await ann.type("one", "two", "three", "/nick annie");
    await ben.waitFor((c) => c.transcript().length === 3);
    await ann.waitFor((c) => c.json().some((e) => e.type === "rename" && e.nick === "annie"));
    server.kill("SIGKILL");
    await server.exit();
    await ann.type("typed during the outage");
    await ben.type("me too");
    await ann.waitFor(
      (c) => c.json().some((e) => e.type === "reconnecting"),
      15_000,
      "ann to notice",
    );
    restarted = await serverOn(port, ["--log", log]);
    ok(
      restarted.lines.some((line) => /6 events restored, continuing after #6/.test(line)),
      restarted.lines.join("\n"),
    );
    for (const client of [ann, ben]) {
      await client.waitFor((c) => c.transcript().length === 5, 20_000, "5 messages");
      await client.waitFor((c) => c.json().filter((e) => e.type === "connected").length === 2);
    }
    deepEqual(ann.transcript(), ben.transcript());
    // Back under the name it asked for: no "'ann' was taken".
    const rejoined = ann.json().filter((e) => e.type === "connected").at(-1);
    deepEqual([rejoined?.nick, rejoined?.requested], ["annie", "annie"]);
    // The restart is one room event; members come back quietly (joins marked `back`).
    await ben.waitFor((c) => c.json().some((e) => e.type === "teacher" && e.action === "restart"));
    const events = ben.json().filter((e) => !e.history);
    const restart = events.findIndex((e) => e.type === "teacher" && e.action === "restart");
    const joins = (from: number, to: number) =>
      events.slice(from, to).filter((e) => e.type === "join");
    deepEqual(joins(0, restart).map((e) => [e.nick, e.back ?? false]), [["ben", false]]);
    const after = joins(restart, events.length);
    ok(after.length > 0 && after.every((e) => e.back === true), JSON.stringify(after));
    // The server's log is written in batches, up to 50 ms after the event.
    await restarted.waitFor((p) => p.lines.some((line) => /the server restarted/.test(line)));
    // The server's log is written in batches, up to 50 ms after the event.
    await restarted.waitFor((p) => p.lines.some((line) => /(annie|ben) is back/.test(line)));
    deepEqual(ann.transcript().map((m) => m.split(" ").slice(2).join(" ")).sort(), [
      "me too",
      "one",
      "three",
      "two",
      "typed during the outage",
    ]);
    equal(
      new Set(ann.transcript().map((m) => m.split(" ")[0])).size,
      5,
      "seq numbers continue, never reused",
    );
    await ann.waitFor((c) => c.json().filter((e) => e.type === "delivered").length === 4);
    // The transcript holds every message once.
    const logged = (await Deno.readTextFile(log)).split("\n").filter((l) =>
      l.includes('"type":"msg"')
    );
    equal(logged.length, 5);
  } finally {
    await stopAll(ann, ben, server, restarted);
    await Deno.remove(log);
  }
});

Deno.test("a late joiner receives recent history, marked, before live messages and without duplicates", async () => {
  const port = freePort();
  let server, ann, late;
  try {
    server = await serverOn(port, ["--history", "3"]);
    ann = await startClient(port, "ann");
    await ann.type("m1", "m2", "m3", "m4");
    await ann.waitFor((c) => c.transcript().length === 4);
    late = await startClient(port, "late");
    await ann.type("live");
    await late.waitFor((c) => c.transcript().some((m) => m.endsWith(" live")));
    const seen = late.json().filter((e) => e.type === "message" || e.type === "join");
    deepEqual(
      seen.map((e) => [e.type, e.text ?? e.nick, e.history ?? false]),
      [["message", "m2", true], ["message", "m3", true], ["message", "m4", true], [
        "join",
        "late",
        false,
      ], [
        "message",
        "live",
        false,
      ]],
    );
  } finally {
    await stopAll(ann, late, server);
  }
});

Deno.test("a 10 KB message of mixed scripts arrives intact", async () => {
  const port = freePort();
  let server, ann, ben;
  try {
    server = await serverOn(port, []);
    ann = await startClient(port, "ann");
    ben = await startClient(port, "ben");
    const text = "Grüße 你好 👋🏽 mixed ascii; ".repeat(350);
    await ann.type(text);
    await ben.waitFor((c) => c.json().some((e) => e.type === "message"), 10_000);
    equal(ben.json().find((e) => e.type === "message")!.text, text);
  } finally {
    await stopAll(ann, ben, server);
  }
});

Deno.test("a server restored from an edited transcript skips the forged numbers, says so, and numbers on", async () => {
  const port = freePort();
  const log = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(
    log,
    [
      '{"udpchat":"transcript","epoch":"ab12","created":0}',
      '{"type":"msg","seq":1,"from":"ann","text":"first","time":5,"id":"x-1"}',
      '{"type":"msg","seq":9007199254740991,"from":"eve","text":"the end of numbers","time":6}',
      '{"type":"msg","seq":2,"from":"ann","text":"second","time":7,"id":"x-2"}',
      "",
    ].join("\n"),
  );
  let server, ann;
  try {
    server = await serverOn(port, ["--log", log]);
    ok(
      server.lines.some((line) =>
        /2 events restored \(1 damaged lines skipped\), continuing after #2/.test(line)
      ) &&
        server.lines.some((line) =>
          /skipped line 3: seq 9007199254740991 out of order after #1/.test(line)
        ),
      server.lines.join("\n"),
    );
    ann = await startClient(port, "ann");
    await ann.type("third");
    await ann.waitFor((c) => c.transcript().some((m) => m.endsWith(" third")));
    const seen = ann.json().filter((e) => ["message", "join", "teacher"].includes(String(e.type)))
      .map((e) => [e.seq, e.text ?? e.action ?? `${e.nick} joined`]);
    deepEqual(seen, [[1, "first"], [2, "second"], [3, "restart"], [4, "ann joined"], [5, "third"]]);
  } finally {
    await stopAll(ann, server);
    await Deno.remove(log);
  }
});

Deno.test("a late joiner in line mode sees history stamped with when it was said, not when it arrived", async () => {
  const { freePort, Program } = await import("./process.ts");
  const { clock } = await import("../lib/format.ts");
  const port = freePort();
  let server, ann, late;
  try {
    server = await serverOn(port, []);
    ann = await startClient(port, "ann");
    await ann.type("said early");
    await ann.waitFor((c) => c.transcript().length === 1);
    const said = ann.json().find((e) => e.type === "message")!.time as number;
    // Join in a later second than the message, so the two stamps differ.
    await new Promise((resolve) => setTimeout(resolve, 2_000 - (Date.now() - said) % 1_000));
    late = new Program("client.ts", [`127.0.0.1:${port}`, "--nick", "late"], { stdin: true });
    await late.waitForLine("(earlier) <ann> said early");
    const line = late.lines.find((l) => l.includes("(earlier) <ann> said early"))!;
    equal(line.slice(0, 10), `[${clock(said)}]`, line);
    ok(late.lines.some((l) => l.includes("late") && !l.startsWith(`[${clock(said)}]`)));
  } finally {
    await stopAll(ann, late, server);
  }
});

/** A small disk to fill: a tmpfs, which only root may mount. */
const smallDiskUnavailable = Deno.uid() === 0 ? undefined : "mounting a small disk needs root";
if (smallDiskUnavailable) console.log(`skipping the full-disk test: ${smallDiskUnavailable}`);

Deno.test({
  name:
    "a server whose disk fills refuses messages with a clear error, keeps serving, and takes them again when space returns",
  ignore: smallDiskUnavailable !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const mount = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir],
    }).output();
    ok(mount.success, new TextDecoder().decode(mount.stderr));
    const log = `${dir}/room.jsonl`;
    let server, ann, ben;
    try {
      const port = freePort();
      server = await serverOn(port, ["--log", log]);
      ann = await startClient(port, "ann");
      ben = await startClient(port, "ben");
      await ann.type("before the disk filled");
      await ben.waitFor((c) => c.transcript().length === 1);
      // Fill the disk: what is left is the slack in the transcript's last page.
      await new Deno.Command("dd", { args: ["if=/dev/zero", `of=${dir}/filler`, "bs=4k"] })
        .output();
      const long = (i: number) => `${i} ${"x".repeat(1500)}`;
      await ann.type(long(1), long(2), long(3), long(4), "still full?");
      const refusals = (c: Program) => c.json().filter((e) => e.type === "failed" && e.final);
      await ann.waitFor((c) => refusals(c).length > 0, 10_000, "a refusal");
      match(String(refusals(ann)[0].reason), /cannot save the room's transcript.*disk is full/);
      await server.waitFor((p) =>
        p.lines.some((l) => /cannot write the transcript \(No space left on device/.test(l))
      );
      await Deno.remove(`${dir}/filler`);
      await ann.type("after space returned");
      await ben.waitFor(
        (c) => c.transcript().some((line) => line.endsWith("after space returned")),
        10_000,
        "the message after",
      );
      await server.waitFor((p) => p.lines.some((l) => /transcript writable again/.test(l)));
      // What ben saw is exactly what the transcript holds, each line whole.
      const text = await Deno.readTextFile(log);
      ok(text.endsWith("\n"));
      const saved = text.trim().split("\n").map((line) => JSON.parse(line)).filter((e) =>
        e.type === "msg"
      );
      deepEqual(ben.transcript(), saved.map((e) => `${e.seq} ann ${e.text}`));
      equal(
        saved.length + refusals(ann).length,
        7,
        "every message either saved and shown, or refused and said so",
      );
    } finally {
      await stopAll(server, ann, ben);
      await new Deno.Command("umount", { args: [dir] }).output();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
