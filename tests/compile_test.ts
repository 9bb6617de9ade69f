/**
 * The single-file downloads: compiles both programs for this computer and
 * runs them. `deno compile` needs its runtime (denort); where it cannot be
 * downloaded, set DENORT_BIN to a local copy. Without it this test says it is
 * skipped: nothing pretends to have compiled.
 */

import { equal, match } from "node:assert/strict";
import { compile } from "../tools/compile.ts";
import { freePort } from "./process.ts";

const denort = Deno.env.get("DENORT_BIN");
if (!denort) {
  console.log(
    "SKIPPED compile_test.ts: DENORT_BIN is not set (deno compile cannot download its runtime here)",
  );
}

/** Reads a program's output until a line contains `text`, failing after `ms`; then lets go of it. */
async function waitForLine(stream: ReadableStream<Uint8Array>, text: string, ms = 10_000) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No '${text}' within ${ms} ms: ${seen}`)), ms);
  });
  try {
    while (!seen.includes(text)) {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) throw new Error(`The program ended without printing '${text}': ${seen}`);
      seen += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

async function run(binary: string, args: string[], stdin?: string) {
  const child = new Deno.Command(binary, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  return child;
}

Deno.test({
  name:
    "deno task compile builds both programs, and the binaries chat with the permissions baked in",
  ignore: !denort,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const [server, client] = await compile(dir);
      const version = await (await run(server, ["--version"])).output();
      match(new TextDecoder().decode(version.stdout), /^udpchat-server \d+\.\d+\.\d+/);
      const port = freePort();
      const serving = await run(server, [
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--no-discovery",
      ]);
      try {
        await waitForLine(serving.stdout, "listening on");
        const chat = await (await run(
          client,
          [`127.0.0.1:${port}`, "--nick", "bin", "--json"],
          "from a binary\n",
        ))
          .output();
        equal(chat.code, 0, new TextDecoder().decode(chat.stderr));
        match(new TextDecoder().decode(chat.stdout), /"type":"message".*"text":"from a binary"/);
      } finally {
        serving.kill("SIGTERM");
        await serving.output();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
