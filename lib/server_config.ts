/**
 * The server's command line: flags, their checks, and `--help`.
 *
 * @module
 */

import {
  DEFAULT_PORT,
  parseArgsOrExplain,
  parseCount,
  parsePort,
  parseSeconds,
  type PasswordSource,
  passwordSource,
  UsageError,
  VERSION,
} from "./cli.ts";
import { CONSOLE_HELP } from "./console.ts";
import { DISCOVERY_PORT } from "./discovery.ts";
import { type ImpairmentSettings, parseImpairment, WATCH_FLAGS, WATCH_HELP } from "./impairment.ts";
import type { RoomOptions } from "./room.ts";
import { isIpv4 } from "./address.ts";

/** Shortest and longest `--timeout`, in seconds: the idle ping is a quarter of it (at least 250 ms). */
export const MIN_TIMEOUT = 1;
/** Longest `--timeout`, in seconds. */
export const MAX_TIMEOUT = 3600;
/** Most room events `--history` may keep: each goes to every late joiner. */
export const MAX_HISTORY = 1000;
/** Longest `--name`, in characters: it travels in every `welcome` and discovery reply. */
export const MAX_NAME = 64;

/** `--help` text. */
export const HELP = `udpchat server ${VERSION}: a chat room over UDP for a classroom LAN

Usage: deno task server [OPTIONS]
       deno run --allow-net server.ts [OPTIONS]

Options:
  --host ADDR            address to listen on (default 0.0.0.0: every interface)
  --port PORT            UDP port (default ${DEFAULT_PORT}); clients find the server on UDP ${DISCOVERY_PORT}
  --name NAME            room name shown to students (default "udpchat"; at most ${MAX_NAME} characters)
  --timeout SECS         drop a client silent this long (default 30; ${MIN_TIMEOUT} to ${MAX_TIMEOUT})
  --legacy-timeout SECS  drop a plain-text (nc, tutorial) client silent this long (default 600;
                         10 to 86400)
  --history N            recent room events replayed to late joiners (default 50; at most ${MAX_HISTORY})
  --max-members N        most members at once (default 256; at most 10000)
  --max-per-ip N         most members from one IP address (default 8; 0 for no limit, e.g. a
                         classroom behind one NAT router)
  --rate N               messages (and other requests) a member may send per second, after a
                         burst of 4×N (default 5); clients pace themselves, a long message or a
                         pasted block counts once, plain-text lines over it are dropped
  --no-discovery         do not answer discovery probes (clients then need the address)
  --no-legacy            refuse plain-text clients (nc -u, the tutorial's client); by default
                         they join after typing back the join code the server answers with
  --password WORD        room password: nobody joins without it, every frame is encrypted,
                         plain-text clients are refused. "--password -" asks for it instead
                         (WORD is visible to other users of this computer); so does
                         setting UDPCHAT_PASSWORD
  --log FILE             append every room event to FILE as JSON lines; on start, restore
                         history and sequence numbers from it
  --portable-send        one system call per datagram sent, as on every system; by default, on
                         Linux with --allow-ffi, many go in one (sendmmsg) on background threads
  --http PORT            serve students the client (deno run http://THIS-PC:PORT/client.ts),
                         the compiled programs in dist/, and a live projector page, on TCP PORT
  -h, --help             this help
  -V, --version          print the version

For teaching (see docs/TEACHING.md):
${WATCH_HELP}

The teacher's console: type at the server while it runs.
${CONSOLE_HELP.map((line) => `  ${line}`).join("\n")}

Examples:
  deno task server --name "Networks 101"
  deno task server --port 10000 --timeout 10
  deno task server --name "Exam room" --password -

Exit codes:
  0  stopped with Ctrl+C or SIGTERM (members are told)
  1  unexpected error
  2  bad arguments
  3  cannot listen (port in use, permission denied, address not available) or open the --log file`;

/** Parsed server settings. */
export interface ServerConfig {
  /** Address to listen on. */
  host: string;
  /** Chat port. */
  port: number;
  /** Transcript file, if any. */
  log?: string;
  /** Whether to answer discovery probes. */
  discovery: boolean;
  /** Whether to send many datagrams per system call where the platform allows. */
  batchSend: boolean;
  /** The room password, or that it must be asked for. */
  password: PasswordSource;
  /** Room settings. */
  room: RoomOptions;
  /** Print a line per datagram (`--trace`). */
  trace: boolean;
  /** Loss, duplication and delay to simulate (`--drop`, `--dup`, `--delay`). */
  impairment?: ImpairmentSettings;
  /** TCP port to serve the client and the projector page on (`--http`), if any. */
  http?: number;
}

/**
 * Parses the server's command line.
 *
 * @param args The arguments, without the program.
 * @param env Reads an environment variable (for the room password).
 * @returns The settings, or `"help"` / `"version"`.
 * @throws {UsageError} On any bad argument.
 */
export function parseServerArgs(
  args: string[],
  env: (name: string) => string | undefined = () => undefined,
): ServerConfig | "help" | "version" {
  const { values } = parseArgsOrExplain({
    args,
    options: {
      host: { type: "string", default: "0.0.0.0" },
      port: { type: "string", default: String(DEFAULT_PORT) },
      name: { type: "string", default: "udpchat" },
      timeout: { type: "string", default: "30" },
      "legacy-timeout": { type: "string", default: "600" },
      history: { type: "string", default: "50" },
      rate: { type: "string", default: "5" },
      "max-members": { type: "string", default: "256" },
      "max-per-ip": { type: "string", default: "8" },
      log: { type: "string" },
      "no-discovery": { type: "boolean", default: false },
      "no-legacy": { type: "boolean", default: false },
      "portable-send": { type: "boolean", default: false },
      password: { type: "string" },
      http: { type: "string" },
      ...WATCH_FLAGS,
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "V" },
    },
  });
  if (values.help) return "help";
  if (values.version) return "version";
  const timeout = parseSeconds(values.timeout, "--timeout", MIN_TIMEOUT, MAX_TIMEOUT);
  if (values.name.trim() === "") throw new UsageError("--name cannot be empty");
  if (/^[\d.]+$/.test(values.host) && !isIpv4(values.host)) {
    throw new UsageError(
      `--host ${values.host} is not an IPv4 address (four numbers from 0 to 255)`,
    );
  }
  if ([...values.name].length > MAX_NAME) {
    throw new UsageError(
      `--name must be at most ${MAX_NAME} characters, not ${[...values.name].length}`,
    );
  }
  return {
    host: values.host,
    port: parsePort(values.port, "--port"),
    log: values.log,
    discovery: !values["no-discovery"],
    batchSend: !values["portable-send"],
    password: passwordSource(values.password, env),
    trace: values.trace,
    impairment: parseImpairment(values),
    http: values.http === undefined ? undefined : parsePort(values.http, "--http"),
    room: {
      legacy: !values["no-legacy"],
      name: values.name,
      timeout,
      heartbeat: Math.min(2000, Math.floor(timeout / 4)),
      legacyTimeout: parseSeconds(values["legacy-timeout"], "--legacy-timeout", 10, 86_400),
      history: parseCount(values.history, "--history", 0, MAX_HISTORY),
      rate: parseRate(values.rate),
      maxMembers: parseCount(values["max-members"], "--max-members", 1, 10_000),
      maxPerIp: parseCount(values["max-per-ip"], "--max-per-ip"),
    },
  };
}

/** Parses `--rate`: a positive number of messages per second, at most 1000. */
function parseRate(text: string): number {
  const rate = Number(text);
  if (text.trim() === "" || !Number.isFinite(rate) || rate < 0.1 || rate > 1000) {
    throw new UsageError(
      `--rate must be a number of messages per second from 0.1 to 1000, not '${text}'`,
    );
  }
  return rate;
}
