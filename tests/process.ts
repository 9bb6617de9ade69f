/**
 * Runs the real `server.ts` and `client.ts` as child processes for
 * integration tests: collects their output line by line and waits for lines
 * with a deadline, since `deno test` has no per-test timeout.
 *
 * @module
 */

import { PERMISSIONS } from "../lib/permissions.ts";

const ROOT = new URL("..", import.meta.url);

/** How to start a {@linkcode Program}. */
export interface ProgramOptions {
  /** Give it a stdin to type into. */
  stdin?: boolean;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Run it inside this network namespace. */
  netns?: string;
  /** Deno's flags, for a script that is not one of the two programs. */
  deno?: string[];
  /** Run it at the lowest CPU priority (a flooder that must not starve what it floods on a shared machine). */
  nice?: boolean;
}

/** A running program whose output is collected. */
export class Program {
  readonly lines: string[] = [];
  readonly errors: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  readonly #reading: Promise<void>;
  #status: Promise<Deno.CommandStatus> | undefined;

  constructor(script: string, args: string[], options: ProgramOptions = {}) {
    const command = [
      Deno.execPath(),
      "run",
      ...(options.deno ?? PERMISSIONS[script as keyof typeof PERMISSIONS]),
      script,
      ...args,
    ];
    const niced = options.nice ? ["nice", "-n", "19", ...command] : command;
    const argv = options.netns ? ["ip", "netns", "exec", options.netns, ...niced] : niced;
    this.#child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: ROOT,
      stdin: options.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...options.env },
    }).spawn();
    this.#writer = options.stdin ? this.#child.stdin.getWriter() : undefined;
    this.#reading = Promise.all([
      collect(this.#child.stdout, this.lines),
      collect(this.#child.stderr, this.errors),
    ]).then(() => {});
  }

  /** Process id, for sending signals. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Writes lines to the program's stdin. */
  async type(...lines: string[]): Promise<void> {
    await this.#writer!.write(new TextEncoder().encode(lines.map((l) => l + "\n").join("")));
  }

  /** Closes stdin: end of input. */
  async endInput(): Promise<void> {
    await this.#writer?.close().catch(() => {});
  }

  /** Output lines parsed as JSON (for `--json` clients), skipping anything else. */
  json(): Array<Record<string, unknown>> {
    return this.lines.flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
  }

  /** Chat messages a `--json` client printed, in order. */
  messages(): Array<{ seq: number; from: string; text: string }> {
    return this.json().filter((e) => e.type === "message").map((e) => ({
      seq: e.seq as number,
      from: e.from as string,
      text: e.text as string,
    }));
  }

  /** The same, as comparable `seq from text` lines. */
  transcript(): string[] {
    return this.messages().map((m) => `${m.seq} ${m.from} ${m.text}`);
  }

  /** Waits until `predicate` holds for this program, failing after `ms`. */
  async waitFor(
    predicate: (program: this) => boolean,
    ms = 10_000,
    what = "condition",
  ): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate(this)) {
      if (Date.now() > deadline) {
        throw new Error(
          `Timed out after ${ms} ms waiting for ${what}; output:\n${
            this.lines.join("\n")
          }\nstderr:\n${this.errors.join("\n")}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits for a line containing `text`. */
  waitForLine(text: string, ms = 10_000): Promise<void> {
    return this.waitFor((p) => p.lines.some((line) => line.includes(text)), ms, `'${text}'`);
  }

  /** Sends a signal. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.#child.kill(signal);
    } catch {
      // already exited
    }
  }

  /** Waits for the exit (killing after `ms`) and for all output. */
  async exit(ms = 10_000): Promise<Deno.CommandStatus> {
    this.#status ??= this.#child.status;
    const timer = setTimeout(() => this.kill("SIGKILL"), ms);
    try {
      const status = await this.#status;
      await this.#reading;
      return status;
    } finally {
      clearTimeout(timer);
      await this.endInput();
    }
  }
}

async function collect(stream: ReadableStream<Uint8Array>, into: string[]): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    into.push(...parts);
  }
  if (rest) into.push(rest);
}

/** A UDP port free right now on loopback. */
export function freePort(): number {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (socket.addr as Deno.NetAddr).port;
  socket.close();
  return port;
}

/** Starts a server on loopback (a free port unless given) and waits until it listens. */
export async function startServer(
  args: string[] = [],
  port = freePort(),
  options: ProgramOptions = {},
): Promise<{ server: Program; port: number }> {
  const server = new Program("server.ts", [
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--no-discovery",
    ...args,
  ], options);
  await server.waitForLine("listening on");
  return { server, port };
}

/** Starts a `--json` client with piped stdin and waits until it joined. */
export async function startClient(
  port: number,
  nick: string,
  args: string[] = [],
  options: ProgramOptions = {},
): Promise<Program> {
  const client = new Program(
    "client.ts",
    [`127.0.0.1:${port}`, "--nick", nick, "--json", ...args],
    { stdin: true, ...options },
  );
  await client.waitFor(
    (c) => c.json().some((e) => e.type === "connected"),
    10_000,
    `${nick} to connect`,
  );
  return client;
}

/** Stops programs, whatever state they are in. */
export async function stopAll(...programs: Array<Program | undefined>): Promise<void> {
  for (const program of programs) program?.kill("SIGKILL");
  await Promise.all(programs.map((program) => program?.exit()));
}

/**
 * A plain-text member on a raw socket, as the tutorial's client or `nc -u`:
 * collects every datagram it hears as text.
 */
export class PlainTextMember {
  /** Everything heard, one datagram an entry. */
  readonly heard: string[] = [];
  /** Its name in the room until it picks one: its address. */
  readonly name: string;
  readonly #conn: Deno.DatagramConn;
  readonly #to: Deno.NetAddr;
  readonly #receiving: Promise<void>;

  constructor(port: number) {
    const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    this.#conn = conn;
    this.name = `127.0.0.1:${(conn.addr as Deno.NetAddr).port}`;
    this.#to = { transport: "udp", hostname: "127.0.0.1", port };
    this.#receiving = (async () => {
      try {
        for (;;) this.heard.push(new TextDecoder().decode((await conn.receive())[0]));
      } catch {
        // closed
      }
    })();
  }

  /** Starts one and joins: a first line, then the join code it is shown. */
  static async joined(port: number): Promise<PlainTextMember> {
    const member = new PlainTextMember(port);
    await member.say("hello, I would like to join the room please");
    await member.joinWithCode();
    return member;
  }

  /** Sends one line. */
  async say(line: string): Promise<void> {
    await this.#conn.send(new TextEncoder().encode(`${line}\n`), this.#to);
  }

  /** Waits for the join code the server showed and types it back. */
  async joinWithCode(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!this.heard.some((line) => /join \d{4}/.test(line)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.say(`join ${/join (\d{4})/.exec(this.heard.join(""))![1]}`);
  }

  /** Closes its socket. */
  async close(): Promise<void> {
    this.#conn.close();
    await this.#receiving;
  }
}
