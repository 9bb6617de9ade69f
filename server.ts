/**
 * The udpchat server: `deno task server [--port 9999] [--name ROOM]`.
 * Flags in, a {@linkcode Room} on a UDP socket, a log line per event out.
 *
 * @module
 */

import { DEFAULT_PORT, EXIT, UsageError, VERSION } from "./lib/cli.ts";
import { Beacon, DISCOVERY_GROUP, DISCOVERY_PORT } from "./lib/discovery.ts";
import { describeLogEntry, describeStats } from "./lib/format.ts";
import { LogWriter } from "./lib/io/log_writer.ts";
import { startMemoryTrim } from "./lib/io/memory_trim.ts";
import { Impairment } from "./lib/impairment.ts";
import { ClassroomWeb } from "./lib/io/http.ts";
import { Projector } from "./lib/projector.ts";
import { Room } from "./lib/room.ts";
import type { RoomLogEntry } from "./lib/room_log.ts";
import { traceLine, TraceNotes } from "./lib/trace.ts";
import { HELP, parseServerArgs } from "./lib/server_config.ts";
import { exitWith, explainBindError, readEnv, resolvePassword } from "./lib/io/os.ts";
import { TranscriptFile } from "./lib/io/transcript_file.ts";
import type { TranscriptEntry } from "./lib/transcript.ts";
import { UdpEndpoint } from "./lib/io/udp.ts";
import { stdinLines } from "./lib/io/stdin.ts";
import { runConsole } from "./lib/console.ts";

const PROGRAM = "udpchat-server";

/** This machine's IPv4 LAN addresses, for the "students run" lines; none without permission. */
function lanAddresses(): string[] {
  try {
    return Deno.networkInterfaces()
      .filter((i) => i.family === "IPv4" && !i.address.startsWith("127."))
      .map((i) => i.address);
  } catch {
    return [];
  }
}

/** Opens the shared discovery socket; `undefined` (with the reason logged) if it cannot. */
function openDiscovery(log: (line: string) => void): Deno.DatagramConn | undefined {
  try {
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: "0.0.0.0",
      port: DISCOVERY_PORT,
      reuseAddress: true, // several servers on one computer all hear probes
      loopback: true,
    });
    conn.joinMulticastV4(DISCOVERY_GROUP, "0.0.0.0").catch(() => {});
    return conn;
  } catch (error) {
    log(
      `discovery off: cannot listen on UDP ${DISCOVERY_PORT} (${
        (error as Error).message
      }); students need the address`,
    );
    return undefined;
  }
}

/** The teacher's console: each line typed at the server is a command (`/help`). */
function readConsole(
  room: Room,
  endpoint: UdpEndpoint<RoomLogEntry>,
  log: (line: string) => void,
): void {
  const kernelDropped = () => endpoint.droppedInput();
  (async () => {
    try {
      for await (const line of stdinLines()) {
        for (const answer of runConsole(room, line, Date.now(), kernelDropped)) log(answer);
        endpoint.pump();
      }
    } catch {
      // no console (stdin closed or not readable): the server runs on without one
    }
  })();
}

async function main(args: string[]): Promise<number> {
  let config;
  let password;
  try {
    config = parseServerArgs(args, readEnv);
    if (typeof config === "object") password = await resolvePassword(config.password);
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
    const hint = `stop the other server or start with --port ${
      port === 65535 ? port - 1 : port + 1
    }`;
    const message = explainBindError(error, { hostname: host, port }, hint);
    if (message) exitWith(PROGRAM, message, EXIT.network);
    throw error;
  }
  const logWriter = new LogWriter();
  const log = (line: string) => logWriter.line(line);
  let epoch = crypto.randomUUID().slice(0, 8);
  let transcript: TranscriptFile | undefined;
  let restored: TranscriptEntry[] = [];
  if (config.log !== undefined) {
    try {
      const opened = TranscriptFile.open(config.log, epoch);
      ({ epoch, entries: restored } = opened);
      transcript = opened.file;
      const skipped = opened.skipped ? ` (${opened.skipped} damaged lines skipped)` : "";
      const last = restored.at(-1)?.event.seq ?? 0;
      log(
        `transcript ${config.log}: ${restored.length} events restored${skipped}, continuing after #${last}`,
      );
      for (const problem of opened.problems) log(`transcript ${config.log}: skipped ${problem}`);
    } catch (error) {
      conn.close();
      exitWith(
        PROGRAM,
        `Cannot use --log ${config.log}: ${(error as Error).message}`,
        EXIT.network,
      );
    }
  }
  const notes = config.trace ? new TraceNotes() : undefined;
  const stream = { ...config.room.stream, notes };
  const room = new Room({ ...config.room, stream, epoch, password, journal: transcript });
  room.restore(restored, Date.now());
  // Started again on its transcript: one room event says so, and members come back quietly.
  if (restored.length > 0) room.teacher.restarted(Date.now());
  const name = config.room.name ?? "udpchat";
  const projector = config.http === undefined ? undefined : new Projector(name, room);
  const endpoint = new UdpEndpoint(conn, room, (entries) => {
    for (const entry of entries) log(describeLogEntry(entry));
    projector?.record(entries);
  });
  const sendPath = config.batchSend ? endpoint.sendInBatches() : "one system call per datagram";
  // After a burst the C library keeps what it freed; an idle server gives it back, a busy one as
  // it goes.
  const memoryTrim = startMemoryTrim();
  if (typeof memoryTrim !== "string") endpoint.whileBusy((now) => memoryTrim.underLoad(now));
  if (notes) {
    const color = !Deno.noColor && Deno.stdout.isTerminal();
    endpoint.traceTo(notes, (record) => logWriter.unstamped(traceLine(record, color)));
  }
  const impairment = config.impairment && new Impairment(config.impairment);
  if (impairment) endpoint.impair(impairment);
  const discoveryConn = config.discovery ? openDiscovery(log) : undefined;
  const beacon = new Beacon(() => ({ name, port, members: room.members.length }));
  const discovery = discoveryConn && new UdpEndpoint(discoveryConn, beacon, () => {});

  const suffix = port === DEFAULT_PORT ? "" : `:${port}`;
  log(`udpchat server ${VERSION}: room "${name}" listening on UDP ${host}:${port}`);
  if (discovery) log(`students on this network run:  deno task client   (it finds this server)`);
  const hosts = host === "0.0.0.0" ? lanAddresses() : [host];
  const withPassword = password === undefined ? "" : " --password -";
  // With discovery the address is the fallback ("or"); without it, the only way in.
  const byAddress = discovery ? "or, by address:" : "students run:";
  for (const address of hosts.length > 0 ? hosts : ["THIS-PC-ADDRESS"]) {
    log(`${byAddress}  deno task client ${address}${suffix} --nick NAME${withPassword}`);
  }
  if (password !== undefined) {
    log("room password set: students need it to join; every frame is encrypted");
  } else if (config.room.legacy) {
    log(
      `plain-text clients (nc -u ${hosts[0] ?? "THIS-PC-ADDRESS"} ${port}) are answered with a ` +
        "join code to type back, e.g.  join 4821",
    );
  }
  log(
    `firewall: allow incoming UDP on port ${port}${
      discovery ? ` and ${DISCOVERY_PORT}` : ""
    } for students to connect`,
  );
  log(`sending: ${sendPath}`);
  let web: ClassroomWeb | undefined;
  if (projector && config.http !== undefined) {
    try {
      web = await ClassroomWeb.start({
        hostname: host,
        port: config.http,
        room: name,
        udpPort: port,
        projector,
      });
    } catch (error) {
      const address = { hostname: host, port: config.http };
      const message = explainBindError(error, address, "choose another --http port", "TCP");
      if (message) exitWith(PROGRAM, message, EXIT.network);
      throw error;
    }
    if (web.problem) log(`--http: ${web.problem}; serving the pages only`);
    for (const address of hosts.length > 0 ? hosts : ["THIS-PC-ADDRESS"]) {
      if (!web.problem) log(`students with Deno run:  ${web.command(address, port)}`);
      const http = `http://${address}:${web.port}`;
      log(`projector page: ${http}/projector   students' page: ${http}/`);
    }
  }
  if (impairment) {
    log(impairment.notice());
  }
  if (notes) log("tracing: one line per datagram, → sent, ← received");

  const stop = () => {
    room.close(Date.now());
    endpoint.pump();
    endpoint.close();
    discovery?.close();
    web?.close();
    if (typeof memoryTrim !== "string") memoryTrim.stop();
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
  const beaconRunning = discovery?.run();
  readConsole(room, endpoint, log);
  await endpoint.run();
  await endpoint.flushed();
  await beaconRunning;
  transcript?.close();
  log(`stopped: ${describeStats(room.stats, endpoint.droppedInput()).join("; ")}`);
  logWriter.flush();
  return EXIT.ok;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
