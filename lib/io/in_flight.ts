/**
 * A count of sends not yet completed, and a way to wait until there are
 * none: what both send paths need to close a socket without losing a
 * datagram, with no promise kept per send.
 *
 * @module
 */

/**
 * Counts operations in flight.
 *
 * @example Usage
 * ```ts
 * import { InFlight } from "./in_flight.ts";
 *
 * const sends = new InFlight();
 * sends.start();
 * const done = sends.idle();
 * sends.end();
 * await done;
 * ```
 */
export class InFlight {
  #count = 0;
  #waiting: Array<() => void> = [];

  /** Notes that one more operation has started. */
  start(): void {
    this.#count++;
  }

  /** Notes that one has ended, waking who waits once none is left. */
  end(): void {
    if (--this.#count === 0) { for (const resolve of this.#waiting.splice(0)) resolve(); }
  }

  /**
   * Resolves once no operation is in flight.
   *
   * @returns A promise, already resolved when none is.
   */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}
