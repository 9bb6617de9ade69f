/**
 * The real programs as processes over real UDP on loopback.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { PERMISSIONS } from "../lib/permissions.ts";
import { PlainTextMember, Program, startClient, startServer, stopAll } from "./process.ts";

type Event = Record<string, unknown>;
const ofType = (client: Program, type: string) => client.json().filter((e) => e.type === type);

/** Both send paths run the tests that matter most: batched (sendmmsg, the default) and portable. */
const SEND_PATHS = [
  { name: "sendmmsg", args: [], log: /sending: sendmmsg/ },
  {
    name: "portable send",
    args: ["--portable-send"],
    log: /sending: one system call per datagram/,
  },
];

for (const send of SEND_PATHS) {
  Deno.test(`three clients chat and all print the same transcript (${send.name})`, async () => {
    const { server, port } = await startServer(send.args);
    ok(server.lines.some((line) => send.log.test(line)), server.lines.join("\n"));
    const clients: Program[] = [];
    try {
      for (const nick of ["ann", "ben", "cat"]) clients.push(await startClient(port, nick));
      await Promise.all(clients.map((c, i) => c.type(...[1, 2, 3, 4, 5].map((k) => `${i}-${k}`))));
      for (const client of clients) {
        await client.waitFor((c) => c.messages().length === 15, 10_000, "15 messages");
      }
      const [reference, ...others] = clients.map((client) => client.messages());
      for (const transcript of others) deepEqual(transcript, reference);
      // Each sender's five lines appear in the order typed.
      for (const i of [0, 1, 2]) {
        const own = reference.filter((m) => m.text.startsWith(`${i}-`)).map((m) => m.text);
        deepEqual(own, [1, 2, 3, 4, 5].map((k) => `${i}-${k}`));
      }
      for (const client of clients) {
        await client.waitFor((c) => ofType(c, "delivered").length === 5);
      }
      // The server logs one line per message.
      await server.waitFor((s) => s.lines.filter((l) => / <(ann|ben|cat)> /.test(l)).length === 15);
    } finally {
      await stopAll(...clients, server);
    }
  });
}

Deno.test("joins, renames and leaves are announced, and the leaver exits 0", async () => {
  const { server, port } = await startServer();
  let ann, ben;
  try {
    ann = await startClient(port, "ann");
    ben = await startClient(port, "ben");
    await ann.waitFor((c) => ofType(c, "join").some((e) => e.nick === "ben"));
    await ben.type("/nick benny");
    await ann.waitFor((c) =>
      ofType(c, "rename").some((e) => e.from === "ben" && e.nick === "benny")
    );
    await ben.type("/quit");
    equal((await ben.exit()).code, 0);
    await ann.waitFor((c) =>
      ofType(c, "leave").some((e) => e.nick === "benny" && e.reason === "quit")
    );
    await server.waitForLine("<-- benny left");
  } finally {
    await stopAll(ann, ben, server);
  }
});

Deno.test("a taken nickname gets a unique variant and the client is told", async () => {
  const { server, port } = await startServer();
  let first, second;
  try {
    first = await startClient(port, "sam");
    second = await startClient(port, "sam");
    const [connected] = ofType(second, "connected");
    equal(connected.nick, "sam2");
    equal(connected.requested, "sam");
  } finally {
    await stopAll(first, second, server);
  }
});

Deno.test("a private message reaches only its target", async () => {
  const { server, port } = await startServer();
  let ann, ben, cat;
  try {
    [ann, ben, cat] = [
      await startClient(port, "ann"),
      await startClient(port, "ben"),
      await startClient(port, "cat"),
    ];
    await ann.type("/msg ben the secret", "/msg nobody hello", "public marker");
    await ben.waitFor((c) =>
      ofType(c, "private").some((e) => e.text === "the secret" && e.from === "ann")
    );
    await cat.waitFor((c) => c.messages().some((m) => m.text === "public marker"));
    await ann.waitFor((c) => ofType(c, "error").some((e) => /nobody/.test(String(e.message))));
    ok(!cat.lines.some((line) => line.includes("the secret")));
  } finally {
    await stopAll(ann, ben, cat, server);
  }
});

Deno.test("a client killed with SIGKILL is timed out and announced", async () => {
  const { server, port } = await startServer(["--timeout", "1.5"]);
  let ann, ben;
  try {
    ann = await startClient(port, "ann");
    ben = await startClient(port, "ben");
    ben.kill("SIGKILL");
    await ben.exit();
    await ann.waitFor(
      (c) => ofType(c, "leave").some((e) => e.nick === "ben" && e.reason === "timeout"),
      6000,
    );
    await server.waitForLine("<-- ben timed out");
  } finally {
    await stopAll(ann, ben, server);
  }
});

for (const send of SEND_PATHS) {
  Deno.test(`a plain-text member joins with its code, chats with v2 clients, and quit() works (${send.name})`, async () => {
    const { server, port } = await startServer(send.args);
    const legacy = new PlainTextMember(port);
    const { heard, name: legacyName } = legacy;
    let ann;
    try {
      ann = await startClient(port, "ann");
      // The first line gets only the join code; nothing is relayed until it comes back.
      await legacy.say("hello, is anyone there?");
      await ann.waitFor(() => heard.some((line) => /type {2}join \d{4} {2}to enter/.test(line)));
      ok(!ann.messages().some((m) => m.text.startsWith("hello, is")));
      await legacy.joinWithCode();
      await ann.waitFor((c) => ofType(c, "join").some((e) => e.nick === legacyName));
      await legacy.say("hello from the tutorial");
      await ann.waitFor((c) =>
        c.messages().some((m) => m.from === legacyName && m.text === "hello from the tutorial")
      );
      await ann.type("hi old friend");
      await ann.waitFor(() => heard.includes("ann: hi old friend\n"), 5000, "legacy to hear ann");
      // Greeted with one line of help; /nick and /who are commands, not chat.
      ok(heard.some((line) => line.includes("/nick NAME  picks your name")), heard.join(""));
      await legacy.say("/nick tutorial");
      await ann.waitFor((c) => ofType(c, "rename").some((e) => e.nick === "tutorial"));
      await legacy.say("/who");
      await ann.waitFor(() => heard.includes("* 2 here: ann, tutorial\n"), 5000, "the /who answer");
      await legacy.say("quit()");
      await ann.waitFor((c) => ofType(c, "leave").some((e) => e.nick === "tutorial"));
      ok(!ann.messages().some((m) => ["quit()", "/nick tutorial", "/who"].includes(m.text)));
    } finally {
      await legacy.close();
      await stopAll(ann, server);
    }
  });
}

Deno.test("without --allow-ffi the server says so and sends one datagram per system call", async () => {
  const deno = PERMISSIONS["server.ts"].filter((flag) => flag !== "--allow-ffi");
  const { server, port } = await startServer([], undefined, { deno });
  let ann;
  try {
    ok(
      server.lines.some((l) => /sending: one system call per datagram \(no --allow-ffi\)/.test(l)),
      server.lines.join("\n"),
    );
    ann = await startClient(port, "ann");
    await ann.type("still fine");
    await ann.waitFor((c) => c.messages().some((m) => m.text === "still fine"));
  } finally {
    await stopAll(ann, server);
  }
});

Deno.test("the server survives a burst of random datagrams and keeps serving", async () => {
  const { server, port } = await startServer();
  let ann, ben;
  try {
    ann = await startClient(port, "ann");
    const noise = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    try {
      for (let i = 0; i < 500; i++) {
        const data = crypto.getRandomValues(new Uint8Array(16 + ((i * 7) % 2000)));
        await noise.send(data, { transport: "udp", hostname: "127.0.0.1", port });
        // Paced so the kernel's receive buffer, not the server, is not what drops them.
        if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const frames = [
        '{"udpchat":1,"type":"ack","n":99999,"sack":[]}',
        '{"udpchat":1,"type":"msg","n":1,"te',
        '{"udpchat":3}',
      ];
      for (const frame of frames) {
        await noise.send(new TextEncoder().encode(frame), {
          transport: "udp",
          hostname: "127.0.0.1",
          port,
        });
      }
    } finally {
      noise.close();
    }
    ben = await startClient(port, "ben");
    await ann.type("still alive?");
    await ben.waitFor((c) => c.messages().some((m) => m.text === "still alive?"));
    equal(
      ofType(ann, "join").filter((e) => String(e.nick).startsWith("127.")).length,
      0,
      "noise never joined",
    );
    server.kill("SIGTERM");
    equal((await server.exit()).code, 0);
    match(
      server.lines.join("\n"),
      /dropped: [1-9]\d* garbage, [1-9]\d* oversize, [1-9]\d* bad frames/,
    );
  } finally {
    await stopAll(ann, ben, server);
  }
});

Deno.test("a piped line is delivered before the client exits 0, in line mode", async () => {
  const { server, port } = await startServer();
  let ann, pipe;
  try {
    ann = await startClient(port, "ann");
    pipe = new Program("client.ts", [`127.0.0.1:${port}`, "--nick", "bob"], { stdin: true });
    await pipe.type("hello", "evil \x1b[2J\x07 text");
    await pipe.endInput();
    equal((await pipe.exit()).code, 0);
    await ann.waitFor((c) => c.messages().some((m) => m.from === "bob" && m.text === "hello"));
    ok(
      pipe.lines.some((line) => /^\[\d\d:\d\d:\d\d\] <bob> hello$/.test(line)),
      pipe.lines.join("\n"),
    );
    // Control characters from the network are shown inert.
    ok(pipe.lines.some((line) => line.endsWith("<bob> evil ␛[2J␇ text")), pipe.lines.join("\n"));
    ok(!pipe.lines.join("").includes("\x1b"));
  } finally {
    await stopAll(ann, pipe, server);
  }
});

Deno.test("a piped client behind 50 history events still prints its own join and message, last", async () => {
  const { server, port } = await startServer();
  let pipe;
  try {
    const filler = new Program("client.ts", [`127.0.0.1:${port}`, "--nick", "filler"], {
      stdin: true,
    });
    await filler.type(...Array.from({ length: 50 }, (_, i) => `history ${i}`));
    await filler.endInput();
    equal((await filler.exit(30_000)).code, 0);
    pipe = new Program("client.ts", [`127.0.0.1:${port}`, "--nick", "late"], { stdin: true });
    await pipe.type("my own words");
    await pipe.endInput();
    equal((await pipe.exit(15_000)).code, 0);
    const lines = pipe.lines.join("\n");
    ok(pipe.lines.some((line) => line.endsWith("--> late joined")), lines);
    ok(pipe.lines.at(-1)!.endsWith("<late> my own words"), lines);
    equal(pipe.lines.filter((line) => line.includes("(earlier)")).length, 50, lines);
  } finally {
    await stopAll(pipe, server);
  }
});

Deno.test("Ctrl+C on the server tells members it is closing and exits 0", async () => {
  const { server, port } = await startServer();
  let ann;
  try {
    ann = await startClient(port, "ann");
    server.kill("SIGINT");
    equal((await server.exit()).code, 0);
    await ann.waitFor((c) =>
      ofType(c, "reconnecting").some((e) => /closing/.test(String(e.reason)))
    );
  } finally {
    await stopAll(ann, server);
  }
});

Deno.test("a server started the documented way, `deno task server`, frees its port when stopped", async () => {
  const { freePort } = await import("./process.ts");
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const port = freePort();
    const task = new Deno.Command(Deno.execPath(), {
      args: ["task", "server", "--host", "127.0.0.1", "--port", String(port), "--no-discovery"],
      cwd: new URL("..", import.meta.url),
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const output = task.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("listening on")) seen += (await output.read()).value ?? "";
    task.kill(signal);
    await task.status; // deno task passes the signal on, and ends with the conventional 128+N
    await output.cancel();
    // The server went with it: the port is free again, for the next server (no orphan holds it).
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port }).close();
        break;
      } catch (error) {
        if (!(error instanceof Deno.errors.AddrInUse) || Date.now() > deadline) {
          throw new Error(`${signal}: port ${port} still held: ${error}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
});

Deno.test("a client with no server answering gives up by itself, explains and exits 3", async () => {
  const { freePort } = await import("./process.ts");
  const client = new Program("client.ts", [`127.0.0.1:${freePort()}`, "--nick", "ann"], {
    stdin: true,
  });
  // exit() kills after 30 s; a client that gave up by itself exits 3, not 137.
  const status = await client.exit(30_000);
  equal(status.code, 3);
  match(
    client.errors.join("\n"),
    /no answer from 127\.0\.0\.1:\d+ within 5 s\. .*server running.*firewall/,
  );
});

Deno.test("user errors get one actionable line and a documented exit code", async () => {
  const { server, port } = await startServer();
  try {
    const cases: Array<[string, string[], number, RegExp]> = [
      [
        "server.ts",
        ["--host", "127.0.0.1", "--port", String(port)],
        3,
        /port \d+ is already in use.*--port/,
      ],
      ["server.ts", ["--port", "http"], 2, /--port must be a port number/],
      ["server.ts", ["--bogus"], 2, /Unknown option '--bogus'/],
      ["client.ts", ["127.0.0.1", "--nick", "two words"], 2, /spaces/],
      ["client.ts", ["one", "two"], 2, /Give one server address, not 2/],
      ["client.ts", ["127.0.0.1:99999"], 2, /port number from 1 to 65535/],
    ];
    for (const [script, args, code, message] of cases) {
      const program = new Program(script, args);
      const status = await program.exit();
      equal(status.code, code, `${script} ${args.join(" ")}`);
      equal(program.errors.length, 1, program.errors.join("\n"));
      match(program.errors[0], message);
    }
  } finally {
    await stopAll(server);
  }
});

export type { Event };

Deno.test("a program run without network permission says how to grant it", async () => {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "server.ts", "--port", "1"],
    cwd: new URL("..", import.meta.url),
    stdin: "null",
    stderr: "piped",
    stdout: "null",
  }).output();
  equal(code, 3);
  const lines = new TextDecoder().decode(stderr).trim().split("\n");
  equal(lines.length, 1, lines.join("\n"));
  match(lines[0], /Network access was not granted: run with --allow-net/);
});
