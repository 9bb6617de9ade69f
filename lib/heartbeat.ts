/**
 * Whether the server is still there, as the client sees it: a `ping` when
 * the client has sent nothing for a heartbeat interval (four times as often
 * while an answer is overdue), silence noticed after `lostAfter`, and the
 * round-trip time measured from `pong`. A hint that the server forgot us
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
 * ```
 */
export class Heartbeat {
  readonly #lostAfterMost: number;
  #interval = 2000;
  #lostAfter: number;
  #lastHeard = 0;
  #lastSent = 0;
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
    // The server's word is a wish: never ping more than 10 times a second, however asked.
    this.#interval = Math.max(MIN_PING_INTERVAL, interval);
    this.#lostAfter = Math.max(10 * MIN_PING_INTERVAL, Math.min(this.#lostAfterMost, timeout));
    this.#lastHeard = now;
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
   * Measures the round trip from a `pong`.
   *
   * @param t The time our `ping` carried.
   * @param now The current time in ms.
   */
  pong(t: number, now: number): void {
    this.#rtt = Math.max(0, now - t);
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
    const next = this.#lastSent + this.#interval;
    const overdue = this.#lastHeard + this.#interval;
    return overdue < next ? Math.max(this.#lastSent + this.#interval / 4, overdue) : next;
  }
}
