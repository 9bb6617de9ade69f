import { deepEqual, equal, ok } from "node:assert/strict";
import { PlainTextMember, Program, startClient, startServer, stopAll } from "./process.ts";

const CLASS = 24;

Deno.test("a class arriving at once is announced in groups, everyone once, to clients and plain-text members", async () => {
  const { server, port } = await startServer(["--max-per-ip", "0"]);
  let watcher: Program | undefined, students: Program | undefined;
  let legacy: PlainTextMember | undefined;
  try {
    watcher = await startClient(port, "watcher");
    legacy = await PlainTextMember.joined(port);
    await watcher.waitFor((c) => c.json().some((e) => e.type === "join" && e.nick !== "watcher"));
    // 24 real sessions in one process, joining together.
    students = new Program("bench/v1_members.ts", [String(port), String(CLASS), "0", "0"], {
      deno: ["--allow-net"],
      stdin: true,
    });
    await students.waitForLine("ready", 20_000);
    equal(students.lines.find((line) => line.startsWith("ready")), `ready ${CLASS} restarted 0`);
    const arrivals = (c: Program) =>
      c.json().flatMap((e) =>
        e.type === "join" && e.nick !== "watcher" && !String(e.nick).startsWith("127.0.0.1")
          ? [String(e.nick)]
          : e.type === "joins"
          ? (e.nicks as string[])
          : []
      );
    await watcher.waitFor((c) => arrivals(c).length >= CLASS, 10_000, "every arrival");
    const shown = arrivals(watcher);
    equal(new Set(shown).size, CLASS, "each student shown once");
    const frames = watcher.json().filter((e) => e.type === "join" || e.type === "joins").length;
    ok(frames < CLASS, `${frames} notices for ${CLASS} arrivals`);
    ok(watcher.json().some((e) => e.type === "joins"), "some arrived grouped");
    // The plain-text member reads the same arrivals in words.
    const heard = legacy.heard;
    await watcher.waitFor(() =>
      heard.some((line) => / and \d+ others joined\n$| joined\n$/.test(line))
    );
    const said = heard.join("");
    const alone = watcher.json().filter((e) => e.type === "join" && /^m\d+x/.test(String(e.nick)));
    for (const { nick } of alone) ok(said.includes(`* ${nick} joined\n`), said);
    ok(/\* m\d+x\d+, m\d+x\d+.* joined\n/.test(said), said);
    // The server's log keeps one line per member (written in batches: it may come a moment later).
    const logged = () => server.lines.filter((line) => /--> m\d+x\d+ joined from/.test(line));
    await server.waitFor(() => logged().length >= CLASS, 5_000, "a log line per arrival");
    equal(logged().length, CLASS);
    deepEqual(shown.toSorted(), [...new Set(shown)].toSorted());
  } finally {
    await legacy?.close();
    await stopAll(students, watcher, server);
  }
});
