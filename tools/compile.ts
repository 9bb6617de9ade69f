/**
 * Builds the single-file downloads with `deno compile`, baking in only the
 * permissions each program needs (lib/permissions.ts).
 *
 *   deno task compile        dist/udpchat-server, dist/udpchat-client for this computer
 *   deno task compile:all    dist/<target>/… for Linux, macOS and Windows, x86_64 and arm64
 *
 * `deno compile` downloads its runtime (denort) per target; where that is not
 * possible, point DENORT_BIN at a local copy for this computer's target.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { PERMISSIONS } from "../lib/permissions.ts";

/** Every target the release ships. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
  "aarch64-pc-windows-msvc",
] as const;

const PROGRAMS = [["server.ts", "udpchat-server"], ["client.ts", "udpchat-client"]] as const;

/**
 * Compiles both programs for one target.
 *
 * @param outDir Where the executables go.
 * @param target A target triple, or `undefined` for this computer.
 * @returns The paths written.
 */
export async function compile(outDir: string, target?: string): Promise<string[]> {
  const root = new URL("..", import.meta.url).pathname;
  const written: string[] = [];
  for (const [script, name] of PROGRAMS) {
    const output = `${outDir}/${name}${target?.includes("windows") ? ".exe" : ""}`;
    const args = [
      "compile",
      "--unstable-net",
      ...PERMISSIONS[script],
      // `--http` serves students the client's source: the server carries it inside.
      ...(script === "server.ts" ? ["--include", "client.ts", "--include", "lib"] : []),
      ...(target ? ["--target", target] : []),
      "--output",
      output,
      `${root}${script}`,
    ];
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args,
      stderr: "piped",
      cwd: root,
    })
      .output();
    if (code !== 0) {
      // deno's report ends with a backtrace; the cause is in the lines before it.
      const report = new TextDecoder().decode(stderr).split("Stack backtrace")[0];
      const detail = report.trim().split("\n").filter((line) => line.trim()).slice(0, 7).join("\n");
      throw new Error(`deno compile failed for ${name}${target ? ` (${target})` : ""}:\n${detail}`);
    }
    written.push(output);
  }
  return written;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { all: { type: "boolean", default: false }, out: { type: "string", default: "dist" } },
  });
  try {
    const outputs = values.all
      ? (await Promise.all(TARGETS.map((target) => compile(`${values.out}/${target}`, target))))
        .flat()
      : await compile(values.out);
    for (const output of outputs) console.log(`built ${output}`);
  } catch (error) {
    console.error((error as Error).message);
    console.error(
      "If the runtime cannot be downloaded here, set DENORT_BIN to a local denort for this computer.",
    );
    Deno.exit(1);
  }
}
