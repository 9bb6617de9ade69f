/**
 * The udpchat server: `deno task server [--port 9999] [--name ROOM]`.
 * Flags in, a {@linkcode Room} on a UDP socket, a log line per event out.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  DEFAULT_PORT,
  EXIT,
  exitWith,
  explainBindError,
  parseCount,
  parsePort,
  parseSeconds,
  UsageError,
  VERSION,
} from "./lib/cli.ts";
import { describeLogEntry, timestamp } from "./lib/format.ts";
import type { RoomEvent } from "./lib/frame.ts";
import { Room, type RoomOptions } from "./lib/room.ts";
import { TranscriptFile } from "./lib/transcript.ts";
import { UdpEndpoint } from "./lib/udp.ts";

const PROGRAM = "udpchat-server";

const HELP = `udpchat server ${VERSION}: a chat room over UDP for a classroom LAN

Usage: deno task server [OPTIONS]
       deno run --allow-net server.ts [OPTIONS]

Options:
  --host ADDR            address to listen on (default 0.0.0.0: every interface)
  --port PORT            UDP port (default ${DEFAULT_PORT})
  --name NAME            room name shown to students (default "udpchat")
  --timeout SECS         drop a client silent this long (default 30)
  --legacy-timeout SECS  drop a plain-text (nc, tutorial) client silent this long (default 600)
  --history N            recent room events replayed to late joiners (default 50)
  --log FILE             append every room event to FILE as JSON lines; on start, restore
                         history and sequence numbers from it
  -h, --help             this help
  -V, --version          print the version

Examples:
  deno task server --name "Networks 101"
  deno task server --port 10000 --timeout 10

Exit codes:
  0  stopped with Ctrl+C or SIGTERM (members are told)
  1  unexpected error
  2  bad arguments
  3  cannot listen (port in use, permission denied, address not available) or open the --log file`;

/** Parsed server settings. */
export interface ServerConfig {
  host: string;
  port: number;
  log?: string;
  room: RoomOptions;
}

/**
 * Parses the server's command line.
 *
 * @param args The arguments, without the program.
 * @returns The settings, or `"help"` / `"version"`.
 * @throws {UsageError} On any bad argument.
 */
export function parseServerArgs(args: string[]): ServerConfig | "help" | "version" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        host: { type: "string", default: "0.0.0.0" },
        port: { type: "string", default: String(DEFAULT_PORT) },
        name: { type: "string", default: "udpchat" },
        timeout: { type: "string", default: "30" },
        "legacy-timeout": { type: "string", default: "600" },
        history: { type: "string", default: "50" },
        log: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (see --help)`);
  }
  const { values } = parsed;
  if (values.help) return "help";
  if (values.version) return "version";
  const timeout = parseSeconds(values.timeout, "--timeout");
  if (values.name.trim() === "") throw new UsageError("--name cannot be empty");
  return {
    host: values.host,
    port: parsePort(values.port, "--port"),
    log: values.log,
    room: {
      name: values.name,
      timeout,
      heartbeat: Math.min(2000, Math.floor(timeout / 4)),
      legacyTimeout: parseSeconds(values["legacy-timeout"], "--legacy-timeout"),
      history: parseCount(values.history, "--history"),
    },
  };
}

/** LAN addresses of this machine, for the "students run" hint; empty without permission. */
function lanAddresses(): string[] {
  try {
    return Deno.networkInterfaces()
      .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
      .map((i) => i.address);
  } catch {
    return [];
  }
}

async function main(args: string[]): Promise<number> {
  let config;
  try {
    config = parseServerArgs(args);
  } catch (error) {
    if (error instanceof UsageError) exitWith(PROGRAM, error.message, EXIT.usage);
    throw error;
  }
  if (config === "help") return console.log(HELP), EXIT.ok;
  if (config === "version") return console.log(`${PROGRAM} ${VERSION}`), EXIT.ok;

  const { host, port } = config;
  let conn: Deno.DatagramConn;
  try {
    conn = Deno.listenDatagram({ transport: "udp", hostname: host, port });
  } catch (error) {
    const message = explainBindError(
      error,
      { hostname: host, port },
      `stop the other server or start with --port ${port + 1}`,
    );
    if (message) exitWith(PROGRAM, message, EXIT.network);
    throw error;
  }
  const log = (line: string) => console.log(`${timestamp(Date.now())} ${line}`);
  let epoch = crypto.randomUUID().slice(0, 8);
  let transcript: TranscriptFile | undefined;
  let restored: RoomEvent[] = [];
  if (config.log !== undefined) {
    try {
      const opened = TranscriptFile.open(config.log, epoch);
      ({ epoch, events: restored } = opened);
      transcript = opened.file;
      const skipped = opened.skipped ? ` (${opened.skipped} damaged lines skipped)` : "";
      const last = restored.at(-1)?.seq ?? 0;
      log(
        `transcript ${config.log}: ${restored.length} events restored${skipped}, continuing after #${last}`,
      );
    } catch (error) {
      conn.close();
      exitWith(
        PROGRAM,
        `Cannot use --log ${config.log}: ${(error as Error).message}`,
        EXIT.network,
      );
    }
  }
  const room = new Room({ ...config.room, epoch });
  room.restore(restored);
  const endpoint = new UdpEndpoint(conn, room, (entries) => {
    for (const entry of entries) {
      if (transcript && "seq" in entry.event) transcript.append(entry.event);
      log(describeLogEntry(entry));
    }
  });

  const suffix = port === DEFAULT_PORT ? "" : `:${port}`;
  const hosts = host === "0.0.0.0" ? lanAddresses() : [host];
  log(`udpchat server ${VERSION}: room "${config.room.name}" listening on UDP ${host}:${port}`);
  for (const address of hosts.length > 0 ? hosts : ["THIS-PC-ADDRESS"]) {
    log(`students run:  deno task client ${address}${suffix} --nick NAME`);
  }

  const stop = () => {
    room.close(Date.now());
    endpoint.pump();
    endpoint.close();
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  await endpoint.run();
  await endpoint.flushed();
  transcript?.close();
  const s = room.stats;
  log(
    `stopped: ${s.datagrams} datagrams in, ${s.relayed} events relayed, ${s.sent} stream frames sent, ` +
      `${s.retransmitted} retransmitted; dropped: ${s.garbage} garbage, ` +
      `${s.oversize} oversize, ${s.badFrame} bad frames, ${s.notJoined} from non-members, ${s.forgedAck} bad acks`,
  );
  return EXIT.ok;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
