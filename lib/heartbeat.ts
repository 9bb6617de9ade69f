/**
 * Whether the server is still there, as the client sees it: a `ping` when
 * the client has sent nothing for a heartbeat interval (every half second at
 * most while an answer is overdue), silence noticed after `lostAfter` (longer
 * when a large room asks for rarer pings), and the round-trip time measured
 * from `pong`; and, for the server, the interval to ask of a room of a given
 * size ({@linkcode roomHeartbeat}). A hint that the server forgot us
 * (an `error` anyone could have forged) is not believed: it only makes the
 * client ping at once, and count the server as gone if no authenticated
 * answer comes within {@linkcode DOUBT_GRACE} ms.
 *
 * @module
 */

/** How long a doubted server has to answer before the client reconnects, in ms. */
export const DOUBT_GRACE = 1000;

/** The shortest idle ping interval a client accepts from a server, in ms. */
export const MIN_PING_INTERVAL = 100;

/** The idle ping interval a client's silence rule is made for, in ms: a server's default. */
export const DEFAULT_PING_INTERVAL = 2000;

/** The longest wait between pings while an answer is overdue, in ms. */
const OVERDUE_RETRY = 500;

/** How much a large room stretches the idle ping interval per member, in ms. */
export const PING_SPACING_PER_MEMBER = 15;

/**
 * The idle ping interval a server asks of its members: its own for a
 * classroom, longer for a large room, so that idle members cost it a bounded
 * number of pings a second (each ping and its answer cost Deno's runtime
 * ~0.1 ms here, mostly waking up for it), but never beyond half the timeout,
 * which leaves a member time to ping again before it is forgotten.
 *
 * @example Usage
 * ```ts
 * import { roomHeartbeat } from "./heartbeat.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(roomHeartbeat(30, 2000, 30_000), 2000); // a classroom
 * equal(roomHeartbeat(400, 2000, 30_000), 6000); // a lecture hall: 67 pings a second
 * equal(roomHeartbeat(5000, 2000, 30_000), 15_000);
 * ```
 *
 * @param members Members in the room.
 * @param interval The server's interval for a small room, in ms.
 * @param timeout After this much silence a member is removed, in ms.
 * @returns The interval to ask for, in ms.
 */
export function roomHeartbeat(members: number, interval: number, timeout: number): number {
  return Math.max(interval, Math.min(members * PING_SPACING_PER_MEMBER, Math.floor(timeout / 2)));
}

/**
 * How long until a server's next ping slot: the slots are the multiples of
 * the interval on its clock, so members told this ping together.
 *
 * @example Usage
 * ```ts
 * import { untilSlot } from "./heartbeat.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(untilSlot(11_030, 3000), 970);
 * ```
 *
 * @param now The server's time, in ms.
 * @param interval The idle ping interval, in ms.
 * @returns The wait, in whole ms (1 to `interval`).
 */
export function untilSlot(now: number, interval: number): number {
  return Math.ceil(interval - now % interval);
}

/**
 * The client's side of liveness.
 *
 * @example Usage
 * ```ts
 * import { Heartbeat } from "./heartbeat.ts";
 * import { equal } from "node:assert/strict";
 *
 * const heartbeat = new Heartbeat(8000);
 * heartbeat.welcome(2000, 30_000, 0);
 * heartbeat.sent(100);
 * heartbeat.heard(100);
 * equal(heartbeat.nextPing(), 2100); // one interval after the last datagram
 * equal(heartbeat.lostAt(), 8100);
 * heartbeat.welcome(2000, 3000, 200); // a server that forgets us sooner
 * equal(heartbeat.lostAt(), 3200);
 * heartbeat.welcome(0, 0, 200); // a server asking for a ping storm is not obeyed
 * equal(heartbeat.nextPing(), 200);
 * equal(heartbeat.lostAt(), 1200);
 * heartbeat.welcome(2000, 30_000, 300);
 * heartbeat.sent(400);
 * // A large room asks for rarer pings, and is given more silence; the ping goes in the server's slot.
 * heartbeat.heard(410);
 * heartbeat.pong(400, 410, { interval: 15_000, next: 12_000 });
 * equal(heartbeat.nextPing(), 12_410);
 * equal(heartbeat.lostAt(), 21_410);
 * ```
 */
export class Heartbeat {
  readonly #lostAfterMost: number;
  #interval = DEFAULT_PING_INTERVAL;
  #timeout = Infinity;
  #lostAfter: number;
  #lastHeard = 0;
  #lastSent = 0;
  /** When the server last asked for the next ping, if it did. */
  #slot: number | undefined;
  #rtt: number | undefined;
  #doubtSince: number | undefined;

  /**
   * Creates the tracker.
   *
   * @param lostAfter Silence from the server this long means it is gone, in ms.
   */
  constructor(lostAfter: number) {
    this.#lostAfterMost = this.#lostAfter = lostAfter;
  }

  /** The round-trip time measured by the last `pong`, in ms. */
  get rtt(): number | undefined {
    return this.#rtt;
  }

  /**
   * Takes the server's settings from its `welcome`.
   *
   * @param interval How often to ping when idle, in ms.
   * @param timeout After this much silence the server forgets us, so waiting longer is pointless.
   * @param now The current time in ms.
   */
  welcome(interval: number, timeout: number, now: number): void {
    this.#timeout = timeout;
    this.#retune(interval);
    this.#lastHeard = now;
  }

  /** Takes a new ping interval from the server. */
  #retune(interval: number): void {
    // The server's word is a wish: never ping more than 10 times a second, however asked.
    this.#interval = Math.max(MIN_PING_INTERVAL, interval);
    // The silence rule is made for the default interval; rarer pings get as much more silence,
    // but never beyond the server's timeout: by then it has forgotten us anyway.
    const silence = this.#lostAfterMost + Math.max(0, this.#interval - DEFAULT_PING_INTERVAL);
    this.#lostAfter = Math.max(10 * MIN_PING_INTERVAL, Math.min(silence, this.#timeout));
  }

  /** Notes a valid datagram from the server. */
  heard(now: number): void {
    this.#lastHeard = now;
    this.#doubtSince = undefined;
  }

  /** Notes a sign, not proof, that the server forgot us: check at once. */
  doubt(now: number): void {
    this.#doubtSince ??= now;
  }

  /** Notes a datagram sent to the server. */
  sent(now: number): void {
    this.#lastSent = now;
  }

  /**
   * Measures the round trip from a `pong`, and takes what it says of the next ping.
   *
   * @param t The time our `ping` carried.
   * @param now The current time in ms.
   * @param schedule The interval for the room's size now, and how long until
   *   the server's next ping slot (both in ms), where the `pong` says.
   */
  pong(t: number, now: number, schedule: { interval?: number; next?: number } = {}): void {
    this.#rtt = Math.max(0, now - t);
    if (schedule.interval !== undefined) this.#retune(schedule.interval);
    this.#slot = schedule.next === undefined ? undefined : now + schedule.next;
  }

  /** When the server counts as gone if it stays silent. */
  lostAt(): number {
    const silent = this.#lastHeard + this.#lostAfter;
    return this.#doubtSince === undefined
      ? silent
      : Math.min(silent, this.#doubtSince + DOUBT_GRACE);
  }

  /** When to send the next `ping`. */
  nextPing(): number {
    if (this.#doubtSince !== undefined && this.#lastSent < this.#doubtSince) {
      return this.#doubtSince;
    }
    let next = this.#lastSent + this.#interval;
    // The server's slot, where it wants every member's ping at once: one wake-up for all.
    if (this.#slot !== undefined && this.#slot > this.#lastSent) {
      next = Math.min(next, Math.max(this.#slot, this.#lastSent + MIN_PING_INTERVAL));
    }
    const overdue = this.#lastHeard + this.#interval;
    const retry = Math.min(this.#interval / 4, OVERDUE_RETRY);
    return overdue < next ? Math.max(this.#lastSent + retry, overdue) : next;
  }
}
