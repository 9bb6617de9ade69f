/**
 * The client's command line: flags, their checks, and `--help`.
 *
 * @module
 */

import {
  DEFAULT_PORT,
  parseArgsOrExplain,
  parseHostPort,
  type PasswordSource,
  passwordSource,
  UsageError,
  VERSION,
} from "./cli.ts";
import { DISCOVERY_PORT } from "./discovery.ts";
import { type ImpairmentSettings, parseImpairment, WATCH_FLAGS, WATCH_HELP } from "./impairment.ts";
import type { Address } from "./address.ts";
import { validateNick } from "./nick.ts";

/** `--help` text. */
export const HELP = `udpchat client ${VERSION}: chat with a udpchat room over UDP

Usage: deno task client [HOST[:PORT]] [--nick NAME] [--plain | --json]
       deno task client --list

Without HOST the client finds servers on the local network (UDP broadcast and multicast to port
${DISCOVERY_PORT}): one found is joined, several are listed to pick from.

In a terminal the client is full-screen: messages above, the line you type below (Up/Down for
history, PageUp/PageDown to scroll back). Type a line to send it. Commands: /me ACTION,
/msg NICK TEXT, /nick NEW, /who, /help, /quit.

Options:
  --nick NAME    nickname, 1-24 characters without spaces (default: your user name)
  --list         list the servers found on the local network, and exit
  --plain        line mode even in a terminal: one line per event, one line per message
  --json         line mode with one JSON object per event (for scripts and bots)
  --password W   the room's password, if it has one; "--password -" asks for it (W is visible
                 to other users of this computer); so does setting UDPCHAT_PASSWORD
  -h, --help     this help
  -V, --version  print the version

For teaching (see docs/TEACHING.md). In line mode the trace goes to standard error; in the
full-screen client F2 shows or hides it in a pane.
${WATCH_HELP}

Examples:
  deno task client --nick alice
  deno task client --list
  deno task client 192.168.1.20 --nick alice
  printf 'hello\\n' | deno task client 192.168.1.20:10000 --nick bot --json

Exit codes:
  0  left the room (/quit, Ctrl+C, end of input)
  1  unexpected error
  2  bad arguments or nickname
  3  network trouble: unknown host, no server found or answering
  4  the server refused to let you in (a full room, a wrong password, a ban)
  5  the teacher removed you from the room`;

/** Parsed client settings. */
export interface ClientConfig {
  /** The server, or `undefined` to find one on the LAN. */
  server?: Address;
  /** Only list the servers found, then exit. */
  list: boolean;
  /** The nickname to ask for. */
  nick: string;
  /** Print JSON lines instead of text. */
  json: boolean;
  /** Line mode even in a terminal. */
  plain: boolean;
  /** The room password, or that it must be asked for. */
  password: PasswordSource;
  /** Print a line per datagram (`--trace`): to standard error, or a pane of the full screen. */
  trace: boolean;
  /** Loss, duplication and delay to simulate (`--drop`, `--dup`, `--delay`). */
  impairment?: ImpairmentSettings;
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
  const { values, positionals } = parseArgsOrExplain({
    args,
    allowPositionals: true,
    options: {
      nick: { type: "string" },
      json: { type: "boolean", default: false },
      plain: { type: "boolean", default: false },
      list: { type: "boolean", default: false },
      password: { type: "string" },
      ...WATCH_FLAGS,
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
    },
  });
  if (values.help) return "help";
  if (values.version) return "version";
  if (positionals.length > 1) {
    throw new UsageError(`Give one server address, not ${positionals.length} (see --help)`);
  }
  if (values.json && values.plain) throw new UsageError("Use --json or --plain, not both");
  let nick = values.nick ?? env("USER") ?? env("USERNAME") ?? env("LOGNAME") ?? "guest";
  try {
    nick = validateNick(nick);
  } catch (error) {
    if (values.nick !== undefined) throw new UsageError((error as Error).message);
    nick = "guest";
  }
  return {
    server: positionals[0] === undefined ? undefined : parseHostPort(positionals[0], DEFAULT_PORT),
    list: values.list,
    nick,
    json: values.json,
    plain: values.plain,
    password: passwordSource(values.password, env),
    trace: values.trace,
    impairment: parseImpairment(values),
  };
}
