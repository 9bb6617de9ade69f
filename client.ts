/**
 * The udpchat client: `deno task client HOST[:PORT] --nick NAME`.
 * Flags in, a {@linkcode Session} on a UDP socket, lines (or JSON) out.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  DEFAULT_PORT,
  EXIT,
  exitWith,
  explainBindError,
  parseHostPort,
  resolveHost,
  UnknownHostError,
  UsageError,
  VERSION,
} from "./lib/cli.ts";
import type { Address } from "./lib/frame.ts";
import { validateNick } from "./lib/nick.ts";
import { Session, type SessionEvent } from "./lib/session.ts";
import { UdpEndpoint } from "./lib/udp.ts";
import { LineUi } from "./lib/line_ui.ts";
import { Tui } from "./lib/tui.ts";
import type { ChatUi } from "./lib/ui.ts";

const PROGRAM = "udpchat-client";

const HELP = `udpchat client ${VERSION}: chat with a udpchat room over UDP

Usage: deno task client HOST[:PORT] [--nick NAME] [--plain | --json]

In a terminal the client is full-screen: messages above, the line you type below (Up/Down for
history, PageUp/PageDown to scroll back). Type a line to send it. Commands: /me ACTION,
/msg NICK TEXT, /nick NEW, /who, /help, /quit.

Options:
  --nick NAME    nickname, 1-24 characters without spaces (default: your user name)
  --plain        line mode even in a terminal: one line per event, one line per message
  --json         line mode with one JSON object per event (for scripts and bots)
  -h, --help     this help
  -V, --version  print the version

Examples:
  deno task client 192.168.1.20 --nick alice
  printf 'hello\\n' | deno task client 192.168.1.20:10000 --nick bot --json

Exit codes:
  0  left the room (/quit, Ctrl+C, end of input)
  1  unexpected error
  2  bad arguments or nickname
  3  network trouble: unknown host, no server answering
  4  the server refused to let you in`;

/** Parsed client settings. */
export interface ClientConfig {
  server: Address;
  nick: string;
  json: boolean;
  plain: boolean;
}

/**
 * Parses the client's command line.
 *
 * @param args The arguments, without the program.
 * @param env Reads an environment variable (for the default nickname).
 * @returns The settings, or `"help"` / `"version"`.
 * @throws {UsageError} On any bad argument.
 */
export function parseClientArgs(
  args: string[],
  env: (name: string) => string | undefined,
): ClientConfig | "help" | "version" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        nick: { type: "string" },
        json: { type: "boolean", default: false },
        plain: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (values.version) return "version";
  if (positionals.length !== 1) {
    throw new UsageError("Give the server's address, e.g. 'client.ts 192.168.1.20' (see --help)");
  }
  let nick = values.nick ?? env("USER") ?? env("USERNAME") ?? env("LOGNAME") ?? "guest";
  try {
    nick = validateNick(nick);
  } catch (error) {
    if (values.nick !== undefined) throw new UsageError((error as Error).message);
    nick = "guest";
  }
  return {
    server: parseHostPort(positionals[0], DEFAULT_PORT),
    nick,
    json: values.json,
    plain: values.plain,
  };
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // not granted: fall back to another default
  }
}

async function main(args: string[]): Promise<number> {
  let config;
  try {
    config = parseClientArgs(args, readEnv);
  } catch (error) {
    if (error instanceof UsageError) exitWith(PROGRAM, error.message, EXIT.usage);
    throw error;
  }
  if (config === "help") return console.log(HELP), EXIT.ok;
  if (config === "version") return console.log(`${PROGRAM} ${VERSION}`), EXIT.ok;

  let server: Address;
  try {
    server = await resolveHost(config.server);
  } catch (error) {
    if (error instanceof UnknownHostError) exitWith(PROGRAM, error.message, EXIT.network);
    throw error;
  }
  const where = `${server.hostname}:${server.port}`;
  const local = { hostname: server.hostname.includes(":") ? "::" : "0.0.0.0", port: 0 };
  let conn: Deno.DatagramConn;
  try {
    conn = Deno.listenDatagram({ transport: "udp", ...local });
  } catch (error) {
    exitWith(PROGRAM, explainBindError(error, local, "try again") ?? String(error), EXIT.network);
  }

  const session = new Session({ server, nick: config.nick }, Date.now());
  const fullScreen = !config.json && !config.plain && Deno.stdin.isTerminal() &&
    Deno.stdout.isTerminal();
  const ui: ChatUi = fullScreen
    ? new Tui(session, { server: where, color: !Deno.noColor })
    : new LineUi(session, config.json);
  let code: number = EXIT.ok;
  const closed = Promise.withResolvers<void>();
  const endpoint = new UdpEndpoint(conn, session, (events: SessionEvent[]) => {
    ui.show(events);
    for (const event of events) {
      if (event.type === "refused") {
        ui.restore();
        console.error(`${PROGRAM}: the server refused to let you in: ${event.reason}`);
        code = EXIT.refused;
      } else if (event.type === "unreachable") {
        ui.restore();
        console.error(
          `${PROGRAM}: no answer from ${where} within ${
            Math.round(event.after / 1000)
          } s. Is the server running, ` +
            `and on the same network? Does its firewall allow UDP port ${server.port}? Is the address right?`,
        );
        code = EXIT.network;
      }
    }
    if (session.state === "closed") closed.resolve();
  });

  const leave = () => {
    session.leave(endpoint.now());
    endpoint.pump();
  };
  Deno.addSignalListener("SIGINT", leave);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", leave);
  globalThis.addEventListener("unload", () => ui.restore());
  const running = endpoint.run();
  ui.run(endpoint).catch((error) => {
    ui.restore();
    throw error;
  });
  try {
    await closed.promise;
    await endpoint.close();
    await running;
  } finally {
    ui.restore();
  }
  return code;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
