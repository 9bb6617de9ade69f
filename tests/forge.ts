/**
 * Forged-source UDP for the attack tests: datagrams that claim to come from
 * any address, as a student with root on the same LAN can send. Uses
 * `tools/forge.py` (a raw socket: needs root and python3); only ever aimed at
 * loopback or the tests' own network namespaces.
 *
 * @module
 */

import type { Address } from "../lib/address.ts";

const SCRIPT = new URL("./tools/forge.py", import.meta.url).pathname;

/** Whether this process runs as root (false when it may not ask). */
export function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false; // --allow-sys=uid not granted
  }
}

/**
 * Why a test that needs root and a tool cannot run here.
 *
 * @param what What the test does, for the message.
 * @param tool The command it needs.
 * @returns The reason, or `undefined` when it can run.
 */
export async function rootToolSkipReason(what: string, tool: string): Promise<string | undefined> {
  if (!isRoot()) return `${what} needs root`;
  try {
    const { code } = await new Deno.Command(tool, { args: ["--version"] }).output();
    return code === 0 ? undefined : `${tool} is not working`;
  } catch {
    return `${tool} is not installed`;
  }
}

/** Why forging is impossible here, or `undefined` when it works. */
export function forgeSkipReason(): Promise<string | undefined> {
  return rootToolSkipReason("forging source addresses", "python3");
}

/** A running forger. */
export class Forger {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #encoder = new TextEncoder();
  #buffer: string[] = [];
  /** Bytes handed to the forger so far. */
  bytes = 0;
  /** Datagrams handed to the forger so far. */
  datagrams = 0;

  /**
   * Starts the forger.
   *
   * @param netns Run it inside this network namespace.
   */
  constructor(netns?: string) {
    const argv = netns ? ["ip", "netns", "exec", netns, "python3", SCRIPT] : ["python3", SCRIPT];
    this.#child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
  }

  /**
   * Queues a datagram from `from` to `to` (sent at the next {@linkcode Forger.flush}).
   *
   * @param from The source to claim.
   * @param to Where to send it.
   * @param data The payload.
   */
  send(from: Address, to: Address, data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? this.#encoder.encode(data) : data;
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    this.#buffer.push(`${from.hostname} ${from.port} ${to.hostname} ${to.port} ${btoa(binary)}\n`);
    this.bytes += bytes.length;
    this.datagrams++;
  }

  /** Hands everything queued to the forger. */
  async flush(): Promise<void> {
    const lines = this.#buffer.join("");
    this.#buffer = [];
    if (lines) await this.#writer.write(this.#encoder.encode(lines));
  }

  /**
   * Sends what is queued, waits until all is sent and stops the forger.
   *
   * @returns How many datagrams the forger sent.
   */
  async close(): Promise<number> {
    await this.flush();
    await this.#writer.close();
    const { stdout, stderr, code } = await this.#child.output();
    if (code !== 0) throw new Error(`forge.py failed: ${new TextDecoder().decode(stderr)}`);
    return Number(new TextDecoder().decode(stdout).trim());
  }
}
