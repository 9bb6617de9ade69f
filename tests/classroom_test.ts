/**
 * `server.ts --http`: students get the client from the teacher's server and
 * chat with it; only the client, `dist/` and the pages are served; the
 * projector page shows the room live in a real browser (headless Chromium).
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { ClassroomWeb } from "../lib/io/http.ts";
import { Projector } from "../lib/projector.ts";
import { Room } from "../lib/room.ts";
import { Program, startClient, startServer, stopAll } from "./process.ts";
import { Browser, haveChromium } from "./tools/browser.ts";

/** A TCP port free right now on loopback. */
function freeTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

/** The text of an element of a page, HTML entities undone (enough for the command line). */
function elementText(page: string, id: string): string {
  const found = new RegExp(`<pre id="${id}">([^<]*)</pre>`).exec(page);
  ok(found, `no #${id} on the page`);
  return found[1].replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

Deno.test("a student runs the client straight from the teacher's server, and chats", async () => {
  const http = freeTcpPort();
  const { server, port } = await startServer(["--http", String(http)]);
  const cache = await Deno.makeTempDir({ prefix: "udpchat-student-" });
  let student: Deno.ChildProcess | undefined;
  let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  let ann: Program | undefined;
  try {
    // The server prints the command; the students' page shows the same one.
    const printed = server.lines.find((line) => line.includes("students with Deno run:"));
    ok(printed, server.lines.join("\n"));
    const page = await (await fetch(`http://127.0.0.1:${http}/`)).text();
    const command = elementText(page, "command");
    ok(printed.endsWith(command), `${printed}\n${command}`);
    match(command, new RegExp(`--allow-import=127\\.0\\.0\\.1:${http} `));

    // Run it exactly as shown, with an empty Deno cache: everything comes from the server.
    const [deno, ...args] = command.replace(/--nick NAME$/, "--nick student").split(" ");
    equal(deno, "deno");
    student = new Deno.Command(Deno.execPath(), {
      args: [...args, "--json"],
      env: { DENO_DIR: cache, NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const out: string[] = [];
    const reading = (async () => {
      for await (const chunk of student.stdout.pipeThrough(new TextDecoderStream())) {
        out.push(chunk);
      }
    })();
    const errors = new Response(student.stderr).text();
    ann = await startClient(port, "ann");
    writer = student.stdin.getWriter();
    await writer.write(new TextEncoder().encode("hello from a served client\n"));
    await ann.waitFor(
      (c) =>
        c.messages().some((m) => m.from === "student" && m.text === "hello from a served client"),
      30_000,
      "the served client's message",
    );
    await ann.type("welcome, student");
    const deadline = Date.now() + 10_000;
    while (!out.join("").includes('"text":"welcome, student"') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    ok(out.join("").includes('"text":"welcome, student"'), out.join(""));
    await writer.close();
    equal((await student.status).code, 0);
    await reading;
    // Deno fetched the client's modules from the teacher's server.
    match(await errors, new RegExp(`Download http://127\\.0\\.0\\.1:${http}/lib/session\\.ts`));
    student = undefined;
  } finally {
    await writer?.close().catch(() => {});
    student?.kill("SIGKILL");
    await student?.status;
    await stopAll(ann, server);
    await Deno.remove(cache, { recursive: true });
  }
});

Deno.test("only the client, dist/ and the pages are served", async () => {
  // A project folder of its own: a client, a module, a test, a secret beside them, and dist/.
  const root = await Deno.makeTempDir({ prefix: "udpchat-root-" });
  await Deno.mkdir(`${root}/lib/io`, { recursive: true });
  await Deno.mkdir(`${root}/dist/linux`, { recursive: true });
  await Deno.writeTextFile(`${root}/client.ts`, "// the client\n");
  await Deno.writeTextFile(`${root}/lib/io/udp.ts`, "// a module\n");
  await Deno.writeTextFile(`${root}/lib/udp_test.ts`, "// a test\n");
  await Deno.writeTextFile(`${root}/secret.txt`, "the exam answers\n");
  const program = crypto.getRandomValues(new Uint8Array(50_000));
  await Deno.writeFile(`${root}/dist/linux/udpchat-client`, program);
  const room = new Room({ name: "lab" });
  const web = await ClassroomWeb.start({
    hostname: "127.0.0.1",
    port: 0,
    room: "lab",
    udpPort: 9999,
    projector: new Projector("lab", room),
    root: new URL(`file://${root}/`),
  });
  const get = async (path: string, method = "GET") => {
    const response = await fetch(`http://127.0.0.1:${web.port}${path}`, { method });
    return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
  };
  try {
    equal((await get("/client.ts")).status, 200);
    equal(new TextDecoder().decode((await get("/lib/io/udp.ts")).body), "// a module\n");
    for (
      const path of [
        "/secret.txt",
        "/lib/udp_test.ts",
        "/lib/../secret.txt",
        "/lib/%2e%2e/secret.txt",
        "/%2Fsecret.txt",
        "/lib/io/../../secret.txt",
        "/dist/../secret.txt",
        "/dist/linux/../../secret.txt",
        "//etc/passwd",
      ]
    ) {
      const answer = await get(path);
      equal(answer.status, 404, path);
      ok(!new TextDecoder().decode(answer.body).includes("exam answers"), path);
    }
    equal((await get("/client.ts", "POST")).status, 405);
    // The download is the file, and the page gives its SHA-256.
    deepEqual((await get("/dist/linux/udpchat-client")).body, program);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", program));
    const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    const page = new TextDecoder().decode((await get("/")).body);
    ok(page.includes(sha256), "the page lists the SHA-256");
    ok(page.includes('href="/dist/linux/udpchat-client"'), "and links the program");
    // A student opening projector pages by the hundred gets a refusal past 32, not the server's memory.
    const streams = await Promise.all(
      Array.from({ length: 33 }, () => fetch(`http://127.0.0.1:${web.port}/events`)),
    );
    deepEqual(streams.map((r) => r.status).sort(), [...Array(32).fill(200), 503]);
    await Promise.all(streams.map((r) => r.body?.cancel()));
  } finally {
    await web.close();
    await Deno.remove(root, { recursive: true });
  }
});

const chromium = haveChromium();
if (!chromium) console.log("skipping the projector page's browser test: chromium is not installed");

Deno.test({
  name: `the projector page shows members, messages and retransmissions live${
    chromium ? "" : " (skipped: chromium not installed)"
  }`,
  ignore: !chromium,
  async fn() {
    const http = freeTcpPort();
    // The server loses a quarter of what it sends and receives: retransmissions to show.
    const { server, port } = await startServer(
      [
        "--http",
        String(http),
        "--name",
        "Networks 101",
        "--drop",
        "25",
      ],
      undefined,
      { stdin: true },
    );
    const clients: Program[] = [];
    let browser: Browser | undefined;
    try {
      for (const nick of ["ann", "bob", "小明"]) clients.push(await startClient(port, nick));
      await server.type("/topic Lesson 3: loss and retransmission");
      browser = await Browser.open();
      await browser.goto(`http://127.0.0.1:${http}/projector`);
      await browser.waitFor(`document.getElementById("live").textContent === "live"`);
      // Sent after the page opened: they can only arrive through the live updates.
      await clients[0].type("hello class", "<img src=x onerror=alert(1)>");
      await clients[1].type("hi ann");
      await clients[2].type("你好");
      // Lost datagrams are sent again, so the lines come in their own time, each once.
      const lines = ["<ann> hello class", "<ann> <img src=x onerror=alert(1)>", "<bob> hi ann"];
      await browser.waitFor(
        `[...document.querySelectorAll("#feed div")].filter((d) => ${
          JSON.stringify([...lines, "<小明> 你好"])
        }.some((line) => d.textContent.endsWith(line))).length === 4`,
      );
      await browser.waitFor(`Number(document.getElementById("retransmitted").textContent) > 0`);
      await browser.waitFor(`document.getElementById("topic").textContent.includes("Lesson 3")`);
      const seen = await browser.evaluate<{ members: string[]; feed: string; images: number }>(`({
        members: [...document.querySelectorAll("#members tr td:first-child")].map((td) => td.textContent),
        feed: document.getElementById("feed").textContent,
        images: document.querySelectorAll("#feed img").length,
      })`);
      for (const nick of ["ann", "bob", "小明"]) {
        ok(seen.members.includes(nick), seen.members.join());
      }
      ok(seen.feed.includes("<ann> hello class"), seen.feed);
      ok(seen.feed.includes("<ann> <img src=x onerror=alert(1)>"), "member text shown as text");
      equal(seen.images, 0, "and never as HTML");
      // UDPCHAT_SCREENSHOT=docs/projector.png deno task test … refreshes the README's picture,
      // after a few more seconds of chat for the sparkline.
      const keep = Deno.env.get("UDPCHAT_SCREENSHOT");
      for (let i = 1; keep && i <= 8; i++) {
        await clients[i % 3].type(`${["question", "answer", "note"][i % 3]} ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const shot = await browser.screenshot();
      deepEqual([...shot.slice(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      if (keep) await Deno.writeFile(keep, shot);
    } finally {
      await browser?.close();
      await stopAll(...clients, server);
    }
  },
});
