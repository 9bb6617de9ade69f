/**
 * The client's one loop: it owns the {@linkcode Session}, the UDP socket and
 * the clock — the production twin of the test simulator's `act`. A user
 * interface hands it lines ({@linkcode ClientLoop.submit}) and renders the
 * events it is given; it never touches the session or the socket itself.
 *
 * @module
 */

import { type CommandResult, runLine } from "../commands.ts";
import type { Session, SessionEvent } from "../session.ts";
import type { ChatControl } from "./ui.ts";
import { UdpEndpoint } from "./udp.ts";

/** Receives the session's events, in order, with the loop's time. */
export type EventSink = (events: readonly SessionEvent[], now: number) => void;

/**
 * Runs a session on a socket until it closes.
 *
 * @example Usage
 * ```ts ignore
 * const conn = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
 * const loop = new ClientLoop(conn, new Session({ server, nick: "ann" }, Date.now()));
 * await loop.run((events) => console.log(events));
 * ```
 */
export class ClientLoop implements ChatControl {
  /** The session this loop drives. */
  readonly session: Session;
  readonly #endpoint: UdpEndpoint<SessionEvent>;
  readonly #clock: () => number;
  readonly #closed = Promise.withResolvers<void>();
  #sink: EventSink = () => {};

  /**
   * Creates the loop; {@linkcode ClientLoop.run} starts it.
   *
   * @param conn A bound UDP socket; the loop closes it.
   * @param session The session, already joining.
   * @param clock The current time in ms.
   */
  constructor(conn: Deno.DatagramConn, session: Session, clock: () => number = Date.now) {
    this.session = session;
    this.#clock = clock;
    this.#endpoint = new UdpEndpoint(conn, session, (events) => {
      this.#sink(events, this.#clock());
      if (session.state === "closed") this.#closed.resolve();
    }, clock);
  }

  /** The socket, to trace (`--trace`) or impair (`--drop`, `--dup`, `--delay`) before {@linkcode ClientLoop.run}. */
  get socket(): Pick<UdpEndpoint<SessionEvent>, "traceTo" | "impair"> {
    return this.#endpoint;
  }

  now(): number {
    return this.#clock();
  }

  submit(line: string): CommandResult {
    const result = runLine(this.session, line, this.#clock());
    this.#endpoint.pump();
    return result;
  }

  leave(): void {
    this.session.leave(this.#clock());
    this.#endpoint.pump();
  }

  /**
   * Runs until the session closes (left, refused or unreachable), then closes the socket.
   *
   * @param sink Receives the session's events.
   */
  async run(sink: EventSink): Promise<void> {
    this.#sink = sink;
    const receiving = this.#endpoint.run();
    await this.#closed.promise;
    await this.#endpoint.close();
    await receiving;
  }
}
