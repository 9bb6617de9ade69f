/**
 * The udpchat client: `deno task client [HOST[:PORT]] --nick NAME`.
 * Flags in, a {@linkcode Session} on a UDP socket, lines (or JSON) out.
 *
 * @module
 */

import { DEFAULT_PORT, EXIT, UsageError, VERSION } from "./lib/cli.ts";
import { HELP, parseClientArgs } from "./lib/client_config.ts";
import { DISCOVERY_PORT, DISCOVERY_WINDOW } from "./lib/discovery.ts";
import type { Address } from "./lib/address.ts";
import { removedText } from "./lib/event_text.ts";
import { Impairment } from "./lib/impairment.ts";
import { Session } from "./lib/session.ts";
import { TraceNotes } from "./lib/trace.ts";
import { ClientLoop } from "./lib/io/client_loop.ts";
import { describeServer, findServers, pickServer } from "./lib/io/find.ts";
import { LineUi } from "./lib/io/line_ui.ts";
import {
  exitWith,
  explainBindError,
  readEnv,
  resolveHost,
  resolvePassword,
  UnknownHostError,
} from "./lib/io/os.ts";
import { Tui } from "./lib/io/tui.ts";
import type { ChatUi } from "./lib/io/ui.ts";

const PROGRAM = "udpchat-client";

async function main(args: string[]): Promise<number> {
  let config;
  let password;
  try {
    config = parseClientArgs(args, readEnv);
    if (typeof config === "object") password = await resolvePassword(config.password);
  } catch (error) {
    if (error instanceof UsageError) exitWith(PROGRAM, error.message, EXIT.usage);
    throw error;
  }
  if (config === "help") return console.log(HELP), EXIT.ok;
  if (config === "version") return console.log(`${PROGRAM} ${VERSION}`), EXIT.ok;

  let target = config.server;
  if (target === undefined || config.list) {
    // Discovery listens for 2 s: say so at once, so the wait is not a mystery.
    console.error(`Looking for udpchat servers on this network for ${DISCOVERY_WINDOW / 1000} s…`);
    let servers;
    try {
      servers = await findServers();
    } catch (error) {
      const message = explainBindError(error, { hostname: "0.0.0.0", port: 0 }, "try again");
      if (message) exitWith(PROGRAM, message, EXIT.network);
      throw error;
    }
    if (config.list) {
      for (const server of servers) console.log(describeServer(server));
      if (servers.length > 0) return EXIT.ok;
    }
    if (servers.length === 0) {
      exitWith(
        PROGRAM,
        `No udpchat server answered on this network within ${
          DISCOVERY_WINDOW / 1000
        } s. Is the server running, ` +
          `on the same network as you? Its firewall must allow UDP ports ${DISCOVERY_PORT} and ${DEFAULT_PORT}. ` +
          "Or give its address after the command, as the server printed it (e.g. 192.168.1.20)",
        EXIT.network,
      );
    }
    const interactive = !config.json && Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
    target = servers.length === 1
      ? servers[0].address
      : (await pickServer(servers, interactive)).address;
  }
  let server: Address;
  try {
    server = await resolveHost(target);
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

  const notes = config.trace ? new TraceNotes() : undefined;
  const loop = new ClientLoop(
    conn,
    new Session({ server, nick: config.nick, password, stream: { notes } }, Date.now()),
  );
  const fullScreen = !config.json && !config.plain && Deno.stdin.isTerminal() &&
    Deno.stdout.isTerminal();
  const ui: ChatUi = fullScreen
    ? new Tui(loop, { server: where, color: !Deno.noColor, trace: config.trace })
    : new LineUi(loop, config.json);
  if (notes) loop.socket.traceTo(notes, (record) => ui.trace(record));
  if (config.impairment) {
    const impairment = new Impairment(config.impairment);
    loop.socket.impair(impairment);
    console.error(impairment.notice());
  }
  let code: number = EXIT.ok;
  const running = loop.run((events, now) => {
    ui.show(events, now);
    for (const event of events) {
      if (event.type === "refused") {
        ui.restore();
        console.error(`${PROGRAM}: the server refused to let you in: ${event.reason}`);
        code = EXIT.refused;
      } else if (event.type === "removed") {
        ui.restore();
        console.error(`${PROGRAM}: ${removedText(event.action, event.text, event.minutes)}`);
        code = EXIT.removed;
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
  });

  const leave = () => loop.leave();
  Deno.addSignalListener("SIGINT", leave);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", leave);
  // Whatever ends the program, the terminal is given back first.
  for (const event of ["unload", "error", "unhandledrejection"]) {
    globalThis.addEventListener(event, () => ui.restore());
  }
  ui.run().catch((error) => {
    ui.restore();
    throw error;
  });
  try {
    await running;
  } finally {
    ui.restore();
  }
  return code;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
