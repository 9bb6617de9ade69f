/**
 * The one socket loop and timer: it feeds a sans-I/O state machine (see
 * `machine.ts` for the contract) with datagrams from a `Deno.DatagramConn`
 * and with the clock, and puts what the machine wants sent on the wire.
 *
 * @module
 */

import type { Address } from "../address.ts";
import type { Machine } from "../machine.ts";
import { BatchSender } from "./batch_send.ts";
import { InFlight } from "./in_flight.ts";

/** Largest datagram the receive buffer holds; larger ones are cut and then refused as oversize. */
const RECEIVE_BUFFER = 65_536;
/** The kernel's queue of datagrams not yet read, asked for where possible: a burst must fit. */
const RECEIVE_BUFFER_BYTES = 2 << 20;

/**
 * Runs a {@linkcode Machine} on a UDP socket.
 *
 * @example Usage
 * ```ts ignore
 * const conn = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 9999 });
 * const endpoint = new UdpEndpoint(conn, new Room(), (events) => console.log(events));
 * await endpoint.run();
 * ```
 */
export class UdpEndpoint<E> {
  readonly #conn: Deno.DatagramConn;
  readonly #machine: Machine<E>;
  readonly #onEvents: (events: E[]) => void;
  readonly #clock: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt: number | undefined;
  #closed = false;
  /** Portable sends not yet completed. */
  readonly #sending = new InFlight();
  #batch: BatchSender | undefined;
  readonly #sent = () => this.#sending.end();
  readonly #failed = () => {
    this.sendErrors++;
    this.#sending.end();
  };
  /** Sends the operating system refused. */
  sendErrors = 0;
  /** Receives that failed (e.g. ICMP port unreachable reported on Windows). */
  receiveErrors = 0;

  /**
   * Creates an endpoint; {@linkcode UdpEndpoint.run} starts it.
   *
   * @param conn A bound UDP socket; the endpoint closes it.
   * @param machine The state machine to drive.
   * @param onEvents Called with what the machine reports, in order.
   * @param clock The current time in ms.
   */
  constructor(
    conn: Deno.DatagramConn,
    machine: Machine<E>,
    onEvents: (events: E[]) => void,
    clock: () => number = Date.now,
  ) {
    this.#conn = conn;
    this.#machine = machine;
    this.#onEvents = onEvents;
    this.#clock = clock;
  }

  /**
   * Sends many datagrams per system call where the platform allows (Linux
   * with `--allow-ffi`: see `batch_send.ts`); elsewhere nothing changes.
   *
   * @returns The send path in use, in words, for the log.
   */
  sendInBatches(): string {
    const sender = BatchSender.open(this.#conn, (to, data) => this.#sendPortable(to, data));
    if (typeof sender === "string") return `one system call per datagram (${sender})`;
    this.#batch = sender;
    const buffer = sender.enlargeReceiveBuffer(RECEIVE_BUFFER_BYTES);
    return `sendmmsg, many datagrams per system call (on background threads under load); ` +
      `receive buffer ${Math.round(buffer / 1024)} KB`;
  }

  /** The current time by this endpoint's clock. */
  now(): number {
    return this.#clock();
  }

  /**
   * Receives until {@linkcode UdpEndpoint.close} is called. One loop per
   * socket: the buffer is reused, so each datagram is handled before the next
   * receive.
   */
  async run(): Promise<void> {
    const buffer = new Uint8Array(RECEIVE_BUFFER);
    this.pump();
    while (!this.#closed) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await this.#conn.receive(buffer);
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        this.receiveErrors++; // one bad datagram must not stop the loop
        continue;
      }
      this.#machine.receive(data, from as Deno.NetAddr, this.#clock());
      this.pump();
    }
  }

  /**
   * Reports the machine's events, then sends what it has queued and re-arms
   * the timer. Call after driving the machine directly.
   */
  pump(): void {
    if (this.#closed) return;
    const { transmits, events } = this.#machine.poll();
    if (events.length > 0) this.#onEvents(events);
    if (this.#batch) {
      for (const { to, data } of transmits) this.#batch.send(to, data);
      this.#batch.flush();
    } else {
      for (const { to, data } of transmits) this.#sendPortable(to, data);
    }
    this.#arm();
  }

  /** Waits until every datagram handed to the socket so far has been sent. */
  async flushed(): Promise<void> {
    await this.#batch?.flushed();
    await this.#sending.idle();
  }

  /** Stops receiving and timing, after pending sends complete, and closes the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.flushed();
    await this.#batch?.close();
    this.#conn.close();
  }

  #sendPortable(to: Address, data: Uint8Array): void {
    // Not awaited one by one: the window in the protocol bounds how many are in flight.
    this.#sending.start();
    this.#conn.send(data, { transport: "udp", hostname: to.hostname, port: to.port })
      .then(this.#sent, this.#failed);
  }

  #arm(): void {
    const at = this.#machine.deadline();
    // Re-armed only when the deadline moves earlier: a timer that fires before anything is due
    // costs one empty tick, which arms the next; clearing and setting one per datagram costs more.
    if (at !== undefined && this.#timerAt !== undefined && this.#timerAt <= at) return;
    if (at === this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    if (at === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timerAt = undefined;
      this.#machine.tick(this.#clock());
      this.pump();
    }, Math.max(0, at - this.#clock()));
  }
}
