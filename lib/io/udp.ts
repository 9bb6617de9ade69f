/**
 * The one socket loop and timer: it feeds a sans-I/O state machine (see
 * `machine.ts` for the contract) with datagrams from a `Deno.DatagramConn`
 * and with the clock, and puts what the machine wants sent on the wire.
 *
 * @module
 */

import type { Address } from "../address.ts";
import type { Machine } from "../machine.ts";

/** Largest datagram the receive buffer holds; larger ones are cut and then refused as oversize. */
const RECEIVE_BUFFER = 65_536;

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
  #sending = new Set<Promise<unknown>>();
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
    for (const { to, data } of transmits) this.#send(to, data);
    this.#arm();
  }

  /** Waits until every datagram handed to the socket so far has been sent. */
  async flushed(): Promise<void> {
    await Promise.allSettled([...this.#sending]);
  }

  /** Stops receiving and timing, after pending sends complete, and closes the socket. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.flushed();
    this.#conn.close();
  }

  #send(to: Address, data: Uint8Array): void {
    // Not awaited one by one: the window in the protocol bounds how many are in flight.
    const sending = this.#conn.send(data, {
      transport: "udp",
      hostname: to.hostname,
      port: to.port,
    })
      .catch(() => this.sendErrors++)
      .finally(() => this.#sending.delete(sending));
    this.#sending.add(sending);
  }

  #arm(): void {
    const at = this.#machine.deadline();
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
