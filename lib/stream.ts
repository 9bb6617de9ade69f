/**
 * A reliable, ordered stream over an unreliable datagram path: the sending
 * half numbers payloads 1, 2, 3, …, keeps at most a congestion window of them
 * in flight (AIMD, as TCP: it starts at 32, grows with acknowledgements up to
 * `window`, and halves — not below 16 — at most once per round trip when a
 * payload is lost) and retransmits each until acknowledged; the receiving half delivers them in
 * order exactly once and says what it has with a cumulative number plus a
 * selective list (`sack`) of what arrived beyond it.
 *
 * Both halves are sans-I/O: time is an argument and they return what to send.
 * Every client owns one stream each way with the server; the server owns one
 * pair per member.
 *
 * @module
 */

import type { TraceNotes } from "./trace.ts";

/** Timing and window settings of a {@linkcode StreamSender}. */
export interface StreamOptions {
  /** Most payloads in flight (sent, not yet acknowledged): the congestion window's ceiling. @default {64} */
  window?: number;
  /** Retransmission timeout before any round trip was measured, in ms. @default {200} */
  initialRto?: number;
  /** Lower bound of the retransmission timeout, in ms. @default {30} */
  minRto?: number;
  /** Upper bound of the retransmission timeout; caps backoff so recovery stays quick on a LAN, in ms. @default {500} */
  maxRto?: number;
  /** Counters to add this stream's first transmissions and retransmissions to (each may be shared by many streams). */
  counters?: StreamCounters | StreamCounters[];
  /** Where to say what each datagram is for `--trace`; notes are built only when it is given. */
  notes?: TraceNotes;
  /**
   * When retransmissions by timeout may go again, shared by many streams: the
   * server holds all its members' while it has datagrams unread (see
   * {@linkcode StreamSender.holdTimeouts}). Each stream has its own otherwise.
   */
  hold?: TimeoutHold;
}

/** A time before which the streams that share it retransmit nothing by timeout. */
export interface TimeoutHold {
  /** The time in ms; `-Infinity` when nothing is held. */
  until: number;
}

/** Transmission counters, for statistics. */
export interface StreamCounters {
  /** Payloads sent for the first time. */
  sent: number;
  /** Payloads sent again because no acknowledgement came in time. */
  retransmitted: number;
  /** Acknowledgements sent. */
  acks: number;
  /** Payloads that arrived again and were dropped. */
  duplicates: number;
  /** Payloads that arrived ahead of a gap and were held back until it filled. */
  held: number;
}

/** A fresh set of {@linkcode StreamCounters}, all zero. */
export function streamCounters(): StreamCounters {
  return { sent: 0, retransmitted: 0, acks: 0, duplicates: 0, held: 0 };
}

/**
 * A cached time that must be worked out again. Not `undefined`: a field
 * that holds only numbers is updated in place, while one that may hold
 * `undefined` boxes each new time it is given.
 */
const STALE = NaN;

/** A time an entry does not have yet: far below any (it is kept relative to the stream's epoch). */
const UNSENT = -(2 ** 30);

/**
 * One payload a sender holds, made once per frame relayed to each member.
 * Its times are whole ms since its sender's epoch ({@linkcode UNSENT} until
 * then): small integers, which V8 keeps in the object itself. As absolute
 * times (about 1.8 × 10^12) they were doubles, each in a box of its own: a
 * third of the entry's 110 bytes.
 */
class Entry<T> {
  payload: T;
  /** When it was last sent, in ms since the epoch. */
  sentAt = UNSENT;
  firstSentAt = UNSENT;
  tries = 0;
  /** Presumed lost: a later payload was acknowledged. */
  lost = false;
  /** Selectively acknowledged: the peer holds it but has not delivered it yet. */
  sacked = false;
  /** For the trace: the timeout that expired before the last retransmission, or that it went early (presumed lost). */
  timeout: number | "lost" | undefined = undefined;

  constructor(payload: T) {
    this.payload = payload;
  }
}

/** Whether an entry is held and was sent. */
function wasSent<T>(entry: Entry<T> | undefined): entry is Entry<T> {
  return entry !== undefined && entry.sentAt !== UNSENT;
}

/**
 * Payloads with their stream numbers, in the order to send them: what
 * {@linkcode StreamSender.transmitInto} fills. The owner refills one list on
 * every flush rather than making a new array: that was about 190 bytes of
 * garbage for every frame relayed.
 *
 * @example Usage
 * ```ts
 * import { Outbound } from "./stream.ts";
 * import { equal } from "node:assert/strict";
 *
 * const list = Outbound.of([[4, "hello"], [5, "world"]]);
 * equal(list.length, 2);
 * equal(list.numberAt(1), 5);
 * equal(list.payloadAt(1), "world");
 * list.clear();
 * equal(list.length, 0);
 * ```
 */
export class Outbound<T> {
  #numbers: number[] = [];
  #payloads: Array<T | undefined> = [];
  #length = 0;

  /**
   * A list holding these pairs.
   *
   * @param pairs `[n, payload]` pairs.
   * @returns The list.
   */
  static of<T>(pairs: ReadonlyArray<readonly [number, T]>): Outbound<T> {
    const list = new Outbound<T>();
    for (const [n, payload] of pairs) list.add(n, payload);
    return list;
  }

  /** How many payloads it holds. */
  get length(): number {
    return this.#length;
  }

  /**
   * The stream number of the `i`th payload.
   *
   * @param i Its place, from 0.
   * @returns The number.
   */
  numberAt(i: number): number {
    return this.#numbers[i];
  }

  /**
   * The `i`th payload.
   *
   * @param i Its place, from 0.
   * @returns The payload.
   */
  payloadAt(i: number): T {
    return this.#payloads[i]!;
  }

  /**
   * Appends a payload.
   *
   * @param n Its stream number.
   * @param payload The payload.
   */
  add(n: number, payload: T): void {
    this.#numbers[this.#length] = n;
    this.#payloads[this.#length++] = payload;
  }

  /**
   * Its payloads as `[n, payload]` pairs, in a new array (for tests and the trace, not the relay).
   *
   * @param start The first place, from 0.
   * @param end One past the last place.
   * @returns The pairs.
   */
  pairs(start = 0, end: number = this.#length): Array<[number, T]> {
    return Array.from(
      { length: end - start },
      (_, i) => [this.#numbers[start + i], this.payloadAt(start + i)],
    );
  }

  /** Empties it, keeping its memory (and no payload). */
  clear(): void {
    for (let i = 0; i < this.#length; i++) this.#payloads[i] = undefined;
    this.#length = 0;
  }
}

/**
 * The payloads a sender holds, by stream number, in an array: the numbers
 * run on without gaps but those acknowledged out of order, and the sender
 * walks them in order on every acknowledgement. With a `Map` and its
 * iterators those walks were 22% of the server's CPU profile in the
 * acknowledged fan-out; with the array, 6%.
 */
class Numbered<E> {
  #slots: Array<E | undefined> = [];
  /** The number in slot 0. */
  #first = 1;
  #size = 0;

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  get(n: number): E | undefined {
    const i = n - this.#first;
    return i >= 0 ? this.#slots[i] : undefined;
  }

  /** Adds the entry for the next number: one past the highest ever added. */
  append(entry: E): void {
    this.#slots.push(entry);
    this.#size++;
  }

  delete(n: number): void {
    const i = n - this.#first;
    if (i < 0 || this.#slots[i] === undefined) return;
    this.#slots[i] = undefined;
    this.#size--;
  }

  /** Forgets the slots below `n`, which are empty; now and then, as moving the rest costs a copy. */
  forgetBelow(n: number): void {
    const empty = n - this.#first;
    if (empty >= 64 && empty * 2 >= this.#slots.length) {
      // Moved down in place: `splice` would also return the removed slots, a new array each time.
      const slots = this.#slots;
      slots.copyWithin(0, empty);
      slots.length -= empty;
      this.#first = n;
    }
  }

  /** Empties it; the next entry appended has number `next`. */
  clear(next: number): void {
    this.#slots = [];
    this.#first = next;
    this.#size = 0;
  }
}

/**
 * The sending half of a stream.
 *
 * @example Usage
 * ```ts
 * import { StreamSender } from "./stream.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const sender = new StreamSender<string>();
 * sender.push("hello");
 * deepEqual(sender.transmit(0), [[1, "hello"]]);
 * const delivered: string[] = [];
 * equal(sender.ack(1, [], 10, (payload) => delivered.push(payload)), 1);
 * deepEqual(delivered, ["hello"]);
 * ```
 */
export class StreamSender<T> {
  #entries = new Numbered<Entry<T>>();
  #next = 1;
  #base = 1;
  #sentUpTo = 0;
  #window: number;
  #minRto: number;
  #maxRto: number;
  #rto: number;
  #srtt: number | undefined;
  #rttvar = 0;
  /** No retransmission by timeout before its time (see {@linkcode StreamSender.holdTimeouts}). */
  readonly #hold: TimeoutHold;
  #counters: StreamCounters[];
  /** The time entries count from: the first the sender was given (see {@linkcode Entry}). */
  #epoch: number | undefined;
  /**
   * Cached earliest retransmission time (Infinity: none); {@linkcode STALE}
   * when it must be recomputed. Always a number, so V8 updates it in place.
   */
  #nextDue = STALE;
  /** Congestion window, in payloads; fractional while growing slowly. */
  #cwnd: number;
  #ssthresh: number;
  /** Losses of payloads up to this number belong to a round that already halved the window. */
  #recoveryUntil = 0;
  /**
   * A timeout fired and no ack has come since. Each frame in flight has its own timer while the
   * peer acknowledges (quick recovery from scattered loss); once it falls silent only the
   * oldest does, as in TCP, so a slow or vanished peer is not sent its whole window again and
   * again (what turned a 1,000-member join storm into a flood of retransmissions).
   */
  #silent = false;

  /**
   * Creates an empty stream.
   *
   * @param options Window and timers.
   */
  constructor(options: StreamOptions = {}) {
    const { window = 64, initialRto = 200, minRto = 30, maxRto = 500 } = options;
    this.#counters = [options.counters ?? streamCounters()].flat();
    this.#hold = options.hold ?? { until: -Infinity };
    if (!(window >= 1)) {
      throw new RangeError(
        `Cannot create stream as 'window' must be at least 1: current value is ${window}`,
      );
    }
    this.#window = window;
    this.#cwnd = Math.min(window, INITIAL_CWND);
    this.#ssthresh = window;
    this.#minRto = minRto;
    this.#maxRto = maxRto;
    this.#rto = initialRto;
  }

  /**
   * Queues a payload.
   *
   * @param payload What to deliver.
   * @returns Its stream number.
   */
  push(payload: T): number {
    this.#entries.append(new Entry(payload));
    return this.#next++;
  }

  /** Payloads queued or in flight, not yet acknowledged. */
  get unacked(): number {
    return this.#entries.size;
  }

  /** The smoothed round-trip time in ms, once measured. */
  get rtt(): number | undefined {
    return this.#srtt;
  }

  /**
   * Everything to put on the wire now: retransmissions that are due, then new
   * payloads as far as the window allows.
   *
   * @param now The current time in ms.
   * @returns `[n, payload]` pairs, in the order to send them. (A connection
   *   sends through {@linkcode StreamSender.transmitInto}, which makes no array.)
   */
  transmit(now: number): Array<[number, T]> {
    const out = new Outbound<T>();
    this.transmitInto(now, out);
    return out.pairs();
  }

  /**
   * {@linkcode StreamSender.transmit}, into a list the caller reuses.
   *
   * @param now The current time in ms.
   * @param out Where to add the payloads to send, in order.
   */
  transmitInto(now: number, out: Outbound<T>): void {
    // Whole ms: a difference of two large times is a double even when it is whole, and V8 would
    // keep the entries' times as doubles, each in a box of its own.
    const at = Math.floor(now - (this.#epoch ??= now));
    // The relay calls this for every member on every message, and on every acknowledgement: scan
    // only when something is due.
    if (now >= (this.deadline() ?? Infinity)) {
      const silent = this.#silent;
      let head = true;
      for (let n = this.#base; n <= this.#sentUpTo; n++) {
        const entry = this.#entries.get(n);
        if (!wasSent(entry) || entry.sacked) continue;
        const timed = head || !silent;
        head = false;
        const due = timed && now >= this.#due(entry) && now >= this.#hold.until;
        if (!entry.lost && !due) continue;
        if (!entry.lost) this.#silent = true; // until an ack comes, only the oldest is timed
        entry.timeout = entry.lost ? "lost" : this.#due(entry) - this.#time(entry.sentAt);
        this.#lost(n);
        entry.sentAt = at;
        entry.tries++;
        entry.lost = false;
        for (const counters of this.#counters) counters.retransmitted++;
        out.add(n, entry.payload);
      }
      this.#nextDue = STALE;
    }
    while (this.#mayStart(this.#sentUpTo + 1)) {
      const n = ++this.#sentUpTo;
      const entry = this.#entries.get(n);
      if (entry === undefined) continue;
      entry.sentAt = entry.firstSentAt = at;
      entry.tries = 1;
      for (const counters of this.#counters) counters.sent++;
      out.add(n, entry.payload);
      // A new frame is timed unless the peer is silent and it is not the oldest in flight.
      if (!Number.isNaN(this.#nextDue) && (!this.#silent || this.#nextDue === Infinity)) {
        this.#nextDue = Math.min(this.#nextDue, this.#due(entry));
      }
    }
  }

  /**
   * Applies an acknowledgement from the peer.
   *
   * @param n Everything up to `n` arrived.
   * @param sack Numbers beyond `n` that arrived too.
   * @param now The current time in ms.
   * @param delivered Called with each payload newly delivered, oldest first.
   * A payload counts as delivered only once `n` covers it: one the peer
   * holds out of order (`sack`) is no longer retransmitted, but stays
   * unacknowledged, so a stream that breaks before the gap fills still
   * reports and {@linkcode StreamSender.drain}s it.
   *
   * @returns How many payloads were newly delivered, or `undefined` if the
   *   ack names numbers never sent (forged or stale): then nothing changes.
   */
  ack(
    n: number,
    sack: readonly number[],
    now: number,
    delivered?: (payload: T) => void,
  ): number | undefined {
    if (n > this.#sentUpTo) return undefined;
    for (const k of sack) if (k > this.#sentUpTo || k < 1) return undefined;
    this.#silent = false;
    let count = 0;
    // The newest payload this ack is the first news of, and when it was sent.
    let newest = 0;
    let newestSentAt = 0;
    for (let k = this.#base; k <= n; k++) {
      const entry = this.#entries.get(k);
      if (!wasSent(entry)) continue;
      if (this.#arrived(entry, now) && k > newest) {
        newest = k;
        newestSentAt = entry.sentAt;
      }
      this.#entries.delete(k);
      count++;
      delivered?.(entry.payload);
    }
    for (const k of sack) {
      const entry = this.#entries.get(k);
      if (!wasSent(entry)) continue;
      if (this.#arrived(entry, now) && k > newest) {
        newest = k;
        newestSentAt = entry.sentAt;
      }
    }
    this.#nextDue = STALE;
    while (this.#base < this.#next && this.#entries.get(this.#base) === undefined) this.#base++;
    this.#entries.forgetBelow(this.#base);
    // Something sent no earlier has arrived, so these were most likely lost:
    // resend them now rather than at their timeout (as RACK does for TCP).
    for (let k = this.#base; k < newest; k++) {
      const entry = this.#entries.get(k);
      if (entry === undefined) continue;
      if (!entry.sacked && wasSent(entry) && entry.sentAt <= newestSentAt) {
        entry.lost = true;
      }
    }
    return count;
  }

  /**
   * Notes that a sent payload arrived (delivered or held out of order).
   *
   * @returns `true` if this is the first news of it.
   */
  #arrived(entry: Entry<T>, now: number): boolean {
    if (entry.sacked) return false;
    entry.sacked = true;
    if (entry.tries === 1) {
      this.#sample(now - this.#time(entry.sentAt));
      // Slow start doubles the window each round trip; then it grows by one per round trip.
      this.#cwnd = Math.min(
        this.#window,
        this.#cwnd + (this.#cwnd < this.#ssthresh ? 1 : 1 / this.#cwnd),
      );
    }
    return true;
  }

  /** Whether payload `n` may be sent for the first time: it is queued, and the window has room. */
  #mayStart(n: number): boolean {
    return n < this.#next && n < this.#base + Math.floor(this.#cwnd);
  }

  /**
   * When {@linkcode StreamSender.transmit} next has something to retransmit.
   *
   * @returns A time in ms, or `undefined` when nothing is in flight.
   */
  deadline(): number | undefined {
    if (Number.isNaN(this.#nextDue)) {
      let soonest = Infinity;
      let head = true;
      for (let n = this.#base; n <= this.#sentUpTo; n++) {
        const entry = this.#entries.get(n);
        if (!wasSent(entry) || entry.sacked) continue;
        if (entry.lost) soonest = Math.min(soonest, this.#due(entry));
        else if (head || !this.#silent) {
          soonest = Math.min(soonest, Math.max(this.#due(entry), this.#hold.until));
        }
        head = false;
      }
      this.#nextDue = soonest;
    }
    return this.#nextDue === Infinity ? undefined : this.#nextDue;
  }

  /**
   * Holds retransmissions by timeout until `until`: the owner has datagrams
   * it has not read yet, and the acknowledgement a timeout would give up on
   * may be among them. Payloads presumed lost (a later one was acknowledged)
   * still go at once. A hold shared through {@linkcode StreamOptions.hold}
   * holds every stream that shares it (which may then ask for a tick before
   * it is over: one with nothing to send).
   *
   * @param until A time in ms.
   */
  holdTimeouts(until: number): void {
    this.#hold.until = until;
    this.#nextDue = STALE;
  }

  /**
   * How payload `n` was last sent, for the trace.
   *
   * @param n A stream number in flight.
   * @returns How many times it has been sent, and for a retransmission the
   *   timeout that expired, or `"lost"` when it went early because a later
   *   payload was acknowledged.
   */
  lastSend(n: number): { tries: number; timeout?: number | "lost" } | undefined {
    const entry = this.#entries.get(n);
    return entry && { tries: entry.tries, timeout: entry.timeout };
  }

  /**
   * When the oldest unacknowledged payload was first sent.
   *
   * @returns A time in ms, or `undefined` when everything sent is acknowledged.
   */
  oldestSentAt(): number | undefined {
    const entry = this.#entries.get(this.#base);
    return entry === undefined || entry.firstSentAt === UNSENT
      ? undefined
      : this.#time(entry.firstSentAt);
  }

  /**
   * Removes and returns every unacknowledged payload, oldest first, saying
   * whether it was ever sent; used to carry them over to a new stream.
   *
   * @returns The payloads.
   */
  drain(): Array<{ payload: T; sent: boolean }> {
    const drained: Array<{ payload: T; sent: boolean }> = [];
    for (let n = this.#base; n < this.#next; n++) {
      const entry = this.#entries.get(n);
      if (entry === undefined) continue;
      drained.push({ payload: entry.payload, sent: entry.firstSentAt !== UNSENT });
    }
    this.#entries.clear(this.#next);
    this.#nextDue = STALE;
    this.#base = this.#next;
    this.#sentUpTo = this.#next - 1;
    return drained;
  }

  /** Halves the window for a loss, once per round trip of payloads. */
  #lost(n: number): void {
    if (n <= this.#recoveryUntil) return;
    this.#recoveryUntil = this.#sentUpTo;
    this.#ssthresh = Math.max(MIN_CWND, this.#cwnd / 2);
    this.#cwnd = this.#ssthresh;
  }

  #due(entry: Entry<T>): number {
    const sentAt = this.#time(entry.sentAt);
    if (entry.lost) return sentAt;
    const backoff = this.#rto * 2 ** Math.min(entry.tries - 1, 8);
    return sentAt + Math.min(backoff, this.#maxRto);
  }

  /** An entry's time (since the epoch) as a time by the caller's clock. */
  #time(sinceEpoch: number): number {
    return this.#epoch! + sinceEpoch;
  }

  /** RFC 6298 smoothing of round-trip samples. */
  #sample(rtt: number): void {
    if (this.#srtt === undefined) {
      this.#srtt = rtt;
      this.#rttvar = rtt / 2;
    } else {
      this.#rttvar = 0.75 * this.#rttvar + 0.25 * Math.abs(this.#srtt - rtt);
      this.#srtt = 0.875 * this.#srtt + 0.125 * rtt;
    }
    this.#rto = Math.min(this.#maxRto, Math.max(this.#minRto, this.#srtt + 4 * this.#rttvar));
  }
}

/** The congestion window at the start, and its floor after losses. */
const INITIAL_CWND = 32;
const MIN_CWND = 16;

/** How far ahead of the next expected number a receiver buffers; beyond it, payloads are dropped. */
export const RECEIVE_AHEAD = 256;

/** Most numbers listed in one `sack`. */
export const MAX_SACK = 64;

/** An in-order payload is acknowledged within this many ms, together with those arriving meanwhile. */
export const ACK_DELAY = 10;

/** Every this many payloads, an acknowledgement goes at once. */
const ACK_EVERY = 8;

/**
 * The receiving half of a stream.
 *
 * @example Usage
 * ```ts
 * import { StreamReceiver } from "./stream.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const receiver = new StreamReceiver<string>();
 * deepEqual(receiver.receive(2, "b", 0), []);
 * deepEqual(receiver.takeAck(0), { n: 0, sack: [2] }); // a gap: acknowledged at once
 * deepEqual(receiver.receive(1, "a", 1), ["a", "b"]);
 * deepEqual(receiver.receive(1, "a", 2), []); // a duplicate is not delivered twice
 * ```
 */
export class StreamReceiver<T> {
  #delivered = 0;
  #buffer = new Map<number, T>();
  #ackAt: number | undefined;
  readonly #counters: StreamCounters[];
  readonly #notes: TraceNotes | undefined;
  #unacked = 0;

  /**
   * Creates the receiving half.
   *
   * @param options Counters to add duplicates and frames held for a gap to, and where to say so for `--trace`.
   */
  constructor(options: Pick<StreamOptions, "counters" | "notes"> = {}) {
    this.#counters = [options.counters ?? []].flat();
    this.#notes = options.notes;
  }

  /** The highest number delivered so far: everything up to it has arrived. */
  get delivered(): number {
    return this.#delivered;
  }

  /**
   * Whether payload `n` has arrived already (delivered, or held for a gap).
   *
   * @param n A stream number.
   * @returns `true` for a number seen before.
   */
  holds(n: number): boolean {
    return n <= this.#delivered || this.#buffer.has(n);
  }

  /**
   * Takes a payload off the wire.
   *
   * Acknowledgements are coalesced: one goes at once for a gap, a duplicate
   * or every 8th payload, otherwise within {@linkcode ACK_DELAY} ms; see
   * {@linkcode StreamReceiver.takeAck}.
   *
   * @param n Its stream number.
   * @param payload The payload.
   * @param now The current time in ms.
   * @returns The payloads now deliverable in order (possibly none), or
   *   `undefined` when `n` is too far ahead to buffer.
   */
  receive(n: number, payload: T, now: number): T[] | undefined {
    const duplicate = n <= this.#delivered || this.#buffer.has(n);
    const inOrder = n === this.#delivered + 1;
    this.#unacked++;
    this.#ackAt = duplicate || !inOrder || this.#unacked >= ACK_EVERY
      ? now
      : Math.min(this.#ackAt ?? Infinity, now + ACK_DELAY);
    if (duplicate) {
      for (const counters of this.#counters) counters.duplicates++;
      this.#notes?.incoming(`dup n=${n} dropped`);
      return [];
    }
    if (n > this.#delivered + RECEIVE_AHEAD) return undefined;
    if (!inOrder) {
      for (const counters of this.#counters) counters.held++;
      this.#notes?.incoming(`held n=${n} until ${this.#delivered + 1}`);
    }
    this.#buffer.set(n, payload);
    const ready: T[] = [];
    let next: T | undefined;
    while ((next = this.#buffer.get(this.#delivered + 1)) !== undefined) {
      this.#buffer.delete(++this.#delivered);
      ready.push(next);
    }
    return ready;
  }

  /**
   * The acknowledgement to send now, if one is due.
   *
   * @param now The current time in ms.
   * @returns The cumulative number and up to {@linkcode MAX_SACK} numbers
   *   beyond it, or `undefined` when no ack is due yet.
   */
  takeAck(now: number): { n: number; sack: number[] } | undefined {
    if (this.#ackAt === undefined || now < this.#ackAt) return undefined;
    this.#ackAt = undefined;
    this.#unacked = 0;
    return this.ack();
  }

  /** When an acknowledgement is due, if one is pending. */
  ackDeadline(): number | undefined {
    return this.#ackAt;
  }

  /**
   * The acknowledgement for what has arrived, whether due or not.
   *
   * @returns The cumulative number and up to {@linkcode MAX_SACK} numbers beyond it.
   */
  ack(): { n: number; sack: number[] } {
    const sack = [...this.#buffer.keys()].sort((a, b) => a - b).slice(0, MAX_SACK);
    return { n: this.#delivered, sack };
  }
}
