/**
 * The client's side of the room's rate: requests the server would not take
 * yet wait here, in order, and go when the allowance lets them — so a client
 * never floods, and nothing it holds back is lost or reordered. The parts of
 * a long message count once, as the server counts them.
 *
 * @module
 */

import { TokenBucket } from "./rate_limit.ts";

/**
 * Requests held back for the room's rate.
 *
 * @example Usage
 * ```ts
 * import { Pacer } from "./pacer.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const pacer = new Pacer<string>(() => true);
 * pacer.retune(1, 2, 0); // 1 a second after a burst of 2
 * deepEqual(["a", "b", "c"].filter((r) => pacer.offer(r, 0)), ["a", "b"]);
 * equal(pacer.waiting, 1);
 * deepEqual(pacer.release(1000), ["c"]);
 * ```
 */
export class Pacer<T> {
  #waiting: T[] = [];
  #allowance: TokenBucket | undefined;
  readonly #counts: (request: T) => boolean;
  /** The room's rate, in requests a second (0 until the room said). */
  rate = 0;

  /**
   * Creates a pacer that lets everything through until the room gives its rate.
   *
   * @param counts Whether a request uses up the allowance (the last part of a message does).
   */
  constructor(counts: (request: T) => boolean) {
    this.#counts = counts;
  }

  /** How many requests wait. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Follows the room's rate (from `welcome`, or the teacher's `/slow`); the
   * allowance left carries over, as the server's does.
   *
   * @param rate Requests a second.
   * @param burst Requests at once.
   * @param now The current time in ms.
   */
  retune(rate: number, burst: number, now: number): void {
    this.rate = rate;
    if (this.#allowance) this.#allowance.set(rate, burst, now);
    else this.#allowance = new TokenBucket(rate, burst, now);
  }

  /**
   * Offers a request: it goes now if nothing waits and the allowance has room.
   *
   * @param request The request.
   * @param now The current time in ms.
   * @returns `true` to send it now; `false` if it waits (see {@linkcode Pacer.release}).
   */
  offer(request: T, now: number): boolean {
    if (this.#waiting.length === 0 && this.#affords(request, now)) return true;
    this.#waiting.push(request);
    return false;
  }

  /**
   * Takes what the allowance lets through now, oldest first.
   *
   * @param now The current time in ms.
   * @returns The requests to send now, in order.
   */
  release(now: number): T[] {
    let count = 0;
    while (count < this.#waiting.length && this.#affords(this.#waiting[count], now)) count++;
    return this.#waiting.splice(0, count);
  }

  /** When the next waiting request may go, if any waits. */
  readyAt(): number | undefined {
    return this.#waiting.length > 0 ? this.#allowance?.readyAt() : undefined;
  }

  /**
   * Whether a waiting request matches.
   *
   * @param test The test.
   * @returns `true` if one does.
   */
  holds(test: (request: T) => boolean): boolean {
    return this.#waiting.some(test);
  }

  /**
   * Empties the queue, for a new connection or for good.
   *
   * @returns What waited, in order.
   */
  drain(): T[] {
    return this.#waiting.splice(0);
  }

  #affords(request: T, now: number): boolean {
    return !this.#counts(request) || (this.#allowance?.take(now) ?? true);
  }
}
