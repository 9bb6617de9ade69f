/**
 * Sources the server sheds: those found over their datagram budget (a
 * flood), kept on a short list for a while so that the socket loop can have
 * the kernel drop their datagrams before they are read — a flood then costs
 * the server nothing at all, not even the receive. The list is a hint: the
 * room drops what is over budget itself, with or without a kernel to help.
 *
 * @module
 */

import type { Address } from "./address.ts";

/**
 * How long a source is shed, in ms: as long as its datagram budget takes to
 * refill from empty, so that what it gets through between sheddings is its
 * budget, no more.
 */
export const SHED_FOR = 2_000;
/** Most sources shed at once; beyond them, the room's own check drops the rest. */
export const MAX_SHED = 64;
/**
 * Datagrams a source let go may send at once, before its budget's steady
 * rate: if it is still flooding, it is shed again after these few, not after
 * a whole burst (which, with what queued behind it, held honest datagrams up
 * for tens of ms every 2 s).
 */
export const RELEASED_BURST = 50;

/**
 * The sources being shed, each until a time.
 *
 * @example Usage
 * ```ts
 * import { Shedding } from "./shedding.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const shedding = new Shedding();
 * const flooder = { hostname: "10.0.0.9", port: 5000 };
 * shedding.over(flooder, "10.0.0.9:5000", 0);
 * deepEqual(shedding.take(), [flooder]);
 * equal(shedding.take(), undefined); // unchanged since
 * equal(shedding.covers("10.0.0.9:5000"), true);
 * equal(shedding.deadline(), 2000);
 * deepEqual(shedding.expire(2000), ["10.0.0.9:5000"]);
 * deepEqual(shedding.take(), []);
 * ```
 */
export class Shedding {
  readonly #until = new Map<string, { address: Address; until: number }>();
  readonly #for: number;
  readonly #max: number;
  #changed = false;
  #next = Infinity;

  /**
   * Creates an empty list.
   *
   * @param shedFor How long a source stays on it, in ms.
   * @param max Most sources on it at once.
   */
  constructor(shedFor: number = SHED_FOR, max: number = MAX_SHED) {
    this.#for = shedFor;
    this.#max = max;
  }

  /**
   * Notes a source over its budget: it is shed from now, unless it already
   * is or the list is full.
   *
   * @param address The source.
   * @param key Its address key.
   * @param now The current time in ms.
   * @returns Whether it was put on the list now.
   */
  over(address: Address, key: string, now: number): boolean {
    if (this.#until.has(key) || this.#until.size >= this.#max) return false;
    const until = now + this.#for;
    this.#until.set(key, { address, until });
    this.#next = Math.min(this.#next, until);
    this.#changed = true;
    return true;
  }

  /**
   * Whether a source is shed: its datagrams are to be dropped unread until
   * {@linkcode Shedding.expire} lets it go.
   *
   * @param key The source's address key.
   * @returns True while it is on the list.
   */
  covers(key: string): boolean {
    return this.#until.size > 0 && this.#until.has(key); // size first: the usual case is none
  }

  /**
   * Lets the sources whose time is up be heard again.
   *
   * @param now The current time in ms.
   * @returns The keys of the sources let go.
   */
  expire(now: number): string[] {
    if (now < this.#next) return [];
    const released: string[] = [];
    this.#next = Infinity;
    for (const [key, { until }] of this.#until) {
      if (until <= now) {
        this.#until.delete(key);
        released.push(key);
        this.#changed = true;
      } else {
        this.#next = Math.min(this.#next, until);
      }
    }
    return released;
  }

  /** When a source is next due to be heard again, if one is shed. */
  deadline(): number | undefined {
    return this.#next === Infinity ? undefined : this.#next;
  }

  /**
   * The sources shed now, if the list changed since the last call.
   *
   * @returns The whole list, or undefined when it is as last taken.
   */
  take(): Address[] | undefined {
    if (!this.#changed) return undefined;
    this.#changed = false;
    return [...this.#until.values()].map(({ address }) => address);
  }
}
