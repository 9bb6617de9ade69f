/**
 * Named timers for sans-I/O state machines. A machine lists its timers once —
 * each with when it is due and what to do then — and derives both
 * `deadline()` (the earliest) and `tick()` (fire what is due) from that one
 * list, so the two can never disagree.
 *
 * @module
 */

/** One timer: a name for reading and tests, when it is due, and what it does. */
export interface Timer {
  /** What the timer is for, e.g. `"retransmit"`. */
  readonly name: string;
  /** When it is due, in ms; `undefined` while it is not armed. */
  at(): number | undefined;
  /** Does its work; called once it is due. */
  fire(now: number): void;
}

/**
 * The earliest time any timer is due.
 *
 * @param timers The timers.
 * @returns A time in ms, or `undefined` when none is armed.
 *
 * @example Usage
 * ```ts
 * import { nextDeadline } from "./deadlines.ts";
 * import { equal } from "node:assert/strict";
 *
 * const timers = [
 *   { name: "ping", at: () => 2000, fire: () => {} },
 *   { name: "ack", at: () => undefined, fire: () => {} },
 * ];
 * equal(nextDeadline(timers), 2000);
 * ```
 */
export function nextDeadline(timers: readonly Timer[]): number | undefined {
  let soonest: number | undefined;
  for (const timer of timers) {
    const at = timer.at();
    if (at !== undefined && (soonest === undefined || at < soonest)) soonest = at;
  }
  return soonest;
}

/**
 * Fires, in list order, every timer that is due.
 *
 * @param timers The timers, in the order their work must happen.
 * @param now The current time in ms.
 * @param stop Checked after each timer fires: `true` ends the round (e.g. the
 *   machine changed state, so the rest of the list no longer applies).
 *
 * @example Usage
 * ```ts
 * import { fireDue } from "./deadlines.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const fired: string[] = [];
 * const timer = (name: string, at: number) => ({ name, at: () => at, fire: () => fired.push(name) });
 * fireDue([timer("lost", 100), timer("ping", 50), timer("ack", 900)], 100);
 * deepEqual(fired, ["lost", "ping"]);
 * ```
 */
export function fireDue(timers: readonly Timer[], now: number, stop?: () => boolean): void {
  for (const timer of timers) {
    const at = timer.at();
    if (at === undefined || at > now) continue;
    timer.fire(now);
    if (stop?.()) return;
  }
}
