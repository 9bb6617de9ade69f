/**
 * The one socket loop and timer: it feeds a sans-I/O state machine (see
 * `machine.ts` for the contract) with datagrams from a `Deno.DatagramConn`
 * and with the clock, and puts what the machine wants sent on the wire.
 *
 * @module
 */

import type { Address } from "../address.ts";
import type { Impairment } from "../impairment.ts";
import type { Machine } from "../machine.ts";
import { summarize, type TraceNotes, type TraceRecord } from "../trace.ts";
import { BatchSender } from "./batch_send.ts";
import { InFlight } from "./in_flight.ts";

/** Largest datagram the receive buffer holds; larger ones are cut and then refused as oversize. */
const RECEIVE_BUFFER = 65_536;
/** The kernel's queue of datagrams not yet read, asked for where possible: a burst must fit. */
const RECEIVE_BUFFER_BYTES = 2 << 20;
/**
 * Longest that retransmissions wait for datagrams already queued to be read,
 * in ms: under a flood the queue is never empty, and they must still go.
 */
const READ_FIRST = 50;
/**
 * Most datagrams one turn may take in while more wait unread: a turn that
 * reads a burst answers it together (each member's frames in one datagram,
 * one system call for all) yet never holds an answer back for long.
 */
const TURN_DATAGRAMS = 16;
/**
 * Microtasks a receive that found a datagram waiting takes to settle its
 * promise (two in Deno 2.9, counted with a test socket); a margin over that.
 */
const SETTLE_MICROTASKS = 4;

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
  readonly #onEvents: (events: readonly E[]) => void;
  readonly #clock: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt: number | undefined;
  /** Since when datagrams have been found queued, unread, without a break. */
  #queuedSince: number | undefined;
  /** Datagrams received since the last {@linkcode UdpEndpoint.pump}. */
  #unpumped = 0;
  #closed = false;
  /** What {@linkcode UdpEndpoint.droppedInput} was when the socket closed. */
  #droppedAtClose: number | undefined;
  /** Portable sends not yet completed. */
  readonly #sending = new InFlight();
  #batch: BatchSender | undefined;
  #whileBusy: ((now: number) => void) | undefined;
  readonly #sent = () => this.#sending.end();
  readonly #failed = () => {
    this.sendErrors++;
    this.#sending.end();
  };
  #trace: { notes: TraceNotes; write: (record: TraceRecord) => void } | undefined;
  #impairment: Impairment | undefined;
  /** Datagrams held back by `--delay`, cancelled on close. */
  readonly #delayed = new Set<ReturnType<typeof setTimeout>>();
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
    onEvents: (events: readonly E[]) => void,
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

  /**
   * Calls `action` after each turn of the fast path while it is busy (it
   * sends on background threads): the server trims its memory then.
   *
   * @param action What to do; given the time by this endpoint's clock.
   */
  whileBusy(action: (now: number) => void): void {
    this.#whileBusy = action;
  }

  /**
   * Prints one line per datagram sent or received (`--trace`).
   *
   * @param notes Where the machine's streams say what their datagrams are
   *   (give the same object in the machine's stream options).
   * @param write Shows one datagram (`traceLine` puts it in words).
   */
  traceTo(notes: TraceNotes, write: (record: TraceRecord) => void): void {
    this.#trace = { notes, write };
  }

  /**
   * Loses, doubles and delays datagrams both ways on purpose (`--drop`,
   * `--dup`, `--delay`); the trace shows what was lost.
   *
   * @param impairment Decides each datagram's fate.
   */
  impair(impairment: Impairment): void {
    this.#impairment = impairment;
  }

  /**
   * Datagrams the kernel dropped before this endpoint read them (from shed
   * sources, or for want of room in the queue), where it can tell.
   *
   * @returns The count, or undefined off the fast path.
   */
  droppedInput(): number | undefined {
    if (this.#closed) return this.#droppedAtClose;
    return this.#batch?.droppedInput();
  }

  /** The current time by this endpoint's clock. */
  now(): number {
    return this.#clock();
  }

  /**
   * Receives until {@linkcode UdpEndpoint.close} is called. One loop per
   * socket, reading one datagram ahead: the next receive starts before a
   * datagram is handled, into the other of two buffers, and whether it has
   * already completed says whether more datagrams wait (see
   * {@linkcode ReadAhead}).
   */
  async run(): Promise<void> {
    const ahead = [new ReadAhead(), new ReadAhead()];
    let turn = 0;
    this.pump();
    let next = ahead[turn].start(this.#conn);
    while (!this.#closed) {
      let data: Uint8Array;
      let from: Deno.Addr;
      try {
        [data, from] = await next;
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        this.receiveErrors++; // one bad datagram must not stop the loop
        if (this.#unpumped > 0) this.pump(); // a turn read on past what it answered: answer now
        next = ahead[turn].start(this.#conn);
        continue;
      }
      turn ^= 1;
      const reading = ahead[turn];
      next = reading.start(this.#conn);
      // Inline, not a function: an async call per datagram is garbage the collector then sweeps.
      if (this.#turnsSpan) {
        for (let i = 0; i < SETTLE_MICROTASKS && !reading.settled; i++) await null;
      }
      if (this.#impairment) this.#receiveImpaired(data, from as Deno.NetAddr);
      else this.#handle(data, from as Deno.NetAddr, reading.settled);
      // Answers made faster than the lanes send them wait in memory: read no more until they go.
      if (this.#unpumped === 0 && this.#batch?.backedUp) await this.#batch.drained();
    }
  }

  /**
   * Reports the machine's events, then sends what it has queued and re-arms
   * the timer. Call after driving the machine directly.
   */
  pump(): void {
    this.#unpumped = 0;
    if (this.#closed) return;
    const { transmits, events } = this.#machine.poll();
    if (events.length > 0) this.#onEvents(events);
    const shed = this.#machine.shed?.();
    // On the fast path the kernel drops a shed flooder's datagrams: they are never even received.
    if (shed !== undefined) this.#batch?.dropFrom(shed);
    if (this.#trace || this.#impairment) {
      for (const { to, data } of transmits) this.#sendWatched(to, data);
    } else if (this.#batch) {
      this.#batch.sendAll(transmits);
      // The sender copies what it keeps from the machine's arena: the machine may write over it.
      const arena = this.#machine.arena;
      this.#batch.flush(arena);
      arena?.reset();
      if (this.#batch.busy) this.#whileBusy?.(this.#clock());
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
    this.#droppedAtClose = this.droppedInput();
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const timer of this.#delayed) clearTimeout(timer);
    await this.flushed();
    await this.#batch?.close();
    this.#conn.close();
  }

  /**
   * Hands one received datagram to the machine, then sends what it answers,
   * unless more datagrams wait to be read: then the turn goes on (up to
   * TURN_DATAGRAMS), and the answers to all of them leave together. Only on
   * the fast path, and not while a person watches (`--trace`) or the network
   * is broken on purpose.
   *
   * @param waiting The next datagram has already been read.
   */
  #handle(data: Uint8Array, from: Address, waiting = false): void {
    const now = this.#clock();
    const queued = this.#turnsSpan && this.#readFirst(waiting, now);
    this.#machine.receive(data, from, now, queued);
    if (this.#trace) this.#traceLine("in", from, data, this.#trace.notes.takeIncoming());
    if (queued && ++this.#unpumped < TURN_DATAGRAMS) return;
    this.pump();
  }

  /** Whether a turn may take in more than one datagram (see {@linkcode UdpEndpoint.run}). */
  get #turnsSpan(): boolean {
    return this.#batch !== undefined && !this.#trace && !this.#impairment;
  }

  #receiveImpaired(data: Uint8Array, from: Address): void {
    const fate = this.#impairment!.fate();
    if (fate.length === 0) {
      return this.#traceLine("in", from, data, `✗ lost on purpose (--drop): ${summarize(data)}`);
    }
    // The receive buffer is reused: a datagram handled later needs its own copy.
    const later = fate.some((delay) => delay > 0) ? data.slice() : data;
    for (const delay of fate) {
      if (delay === 0) this.#handle(data, from);
      else this.#after(delay, () => this.#handle(later, from));
    }
  }

  /** Sends with the trace and the impairment, one datagram at a time: for watching, not speed. */
  #sendWatched(to: Address, data: Uint8Array): void {
    const fate = this.#impairment?.fate() ?? [0];
    const summary = this.#trace?.notes.takeOutgoing(data) ?? (this.#trace && summarize(data));
    if (fate.length === 0) {
      return this.#traceLine("out", to, data, `✗ lost on purpose (--drop): ${summary}`);
    }
    this.#traceLine("out", to, data, fate.length > 1 ? `${summary} (doubled by --dup)` : summary);
    for (const delay of fate) {
      if (delay === 0) this.#sendPortable(to, data);
      else this.#after(delay, () => this.#sendPortable(to, data));
    }
  }

  /** Runs `action` after `delay` ms, unless the endpoint closes first. */
  #after(delay: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#delayed.delete(timer);
      action();
    }, delay);
    this.#delayed.add(timer);
  }

  #traceLine(direction: "in" | "out", peer: Address, data: Uint8Array, note?: string): void {
    if (!this.#trace) return;
    const summary = note ?? summarize(data);
    this.#trace.write({ at: this.#clock(), direction, peer, bytes: data.length, summary });
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
      const now = this.#clock();
      this.#machine.tick(now, this.#inputQueued(now));
      this.pump();
    }, Math.max(0, at - this.#clock()));
  }

  /**
   * Whether datagrams wait in the socket, unread, so that retransmissions by
   * timeout should wait too: the kernel gives TCP's input the same
   * precedence over its timers, so that an acknowledgement that has arrived
   * is never taken for lost. The timer asks the kernel (on the fast path,
   * through the same FFI); the socket loop knows from its read-ahead.
   */
  #inputQueued(now: number): boolean {
    return this.#readFirst(this.#batch !== undefined && this.#batch.queuedInput() > 0, now);
  }

  /**
   * Whether input that waits goes first. Under a backlog that never clears (a
   * flood) it does for READ_FIRST, then the timers may go for as long, and
   * so on.
   */
  #readFirst(waiting: boolean, now: number): boolean {
    if (!waiting) {
      this.#queuedSince = undefined;
      return false;
    }
    this.#queuedSince ??= now;
    return (now - this.#queuedSince) % (2 * READ_FIRST) < READ_FIRST;
  }
}

/**
 * One buffer of the socket loop's read-ahead, and whether its receive has
 * completed. Deno's receive takes a datagram that is already queued at once,
 * when it is called, and settles its promise before the loop's next turn of
 * the event loop: a receive found settled a few microtasks after it started
 * means another datagram was waiting. One found pending means either none
 * was, or the runtime did not look yet; the loop then answers what it has,
 * as it would with nothing queued, so a later Deno that settles later only
 * makes turns shorter. Reused: one object per buffer, and one callback for all its receives.
 */
class ReadAhead {
  readonly #buffer = new Uint8Array(RECEIVE_BUFFER);
  #settled = false;
  readonly #settle = () => {
    this.#settled = true;
  };

  /** Starts a receive into this buffer. */
  start(conn: Deno.DatagramConn): Promise<[Uint8Array, Deno.Addr]> {
    this.#settled = false;
    const receiving = conn.receive(this.#buffer);
    receiving.then(this.#settle, this.#settle);
    return receiving;
  }

  /** Whether the receive has completed, by the time the loop looks. */
  get settled(): boolean {
    return this.#settled;
  }
}
