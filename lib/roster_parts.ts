/**
 * The roster every joiner is sent, encoded once and shared. A roster of 1,000
 * names is 27 parts; made afresh for each of a thousand joiners, they were
 * a third of a join storm's memory at its height and most of its garbage.
 * Listed in the order members joined, a roster only grows at its end while
 * nobody leaves or changes name, so every part but the last stays the same
 * from one joiner to the next.
 *
 * @module
 */

import { EncodedEvent } from "./frame.ts";
import { splitNames } from "./parts.ts";

/**
 * The parts of the `members` event with `roster: true`, split as
 * `splitPayload` splits them (by `splitNames`), with the whole parts kept
 * between calls.
 *
 * @example Usage
 * ```ts
 * import { RosterParts } from "./roster_parts.ts";
 * import { equal } from "node:assert/strict";
 *
 * const roster = new RosterParts();
 * const names = Array.from({ length: 200 }, (_, i) => `student${i}`);
 * const first = roster.parts(names, 0);
 * const second = roster.parts([...names, "late"], 0);
 * equal(first.length, second.length);
 * equal(first[0], second[0]); // the same part, encoded once
 * equal(roster.parts(names.slice(1), 1)[0] === first[0], false); // someone left: made afresh
 * ```
 */
export class RosterParts {
  /** Whole parts (each with `more`), shared by every joiner while the names they hold stay put. */
  #whole: EncodedEvent[] = [];
  /** How many names the whole parts hold. */
  #covered = 0;
  #changes = -1;

  /**
   * The roster, in parts that each fit in one datagram.
   *
   * @param names The members' nicknames in the order they joined.
   * @param changes A count that moves whenever a name leaves the list or
   *   changes (not when one is added at the end): the parts kept are made
   *   again when it does.
   * @returns The parts, in order; every one but the last has `more`.
   */
  parts(names: readonly string[], changes: number): EncodedEvent[] {
    if (changes !== this.#changes || names.length <= this.#covered) {
      this.#whole = [];
      this.#covered = 0;
      this.#changes = changes;
    }
    const runs = splitNames(names, this.#covered);
    // Every run but the last ended because a name followed it: it reads the same for later joiners.
    for (const members of runs.slice(0, -1)) {
      this.#whole.push(new EncodedEvent({ type: "members", members, roster: true, more: true }));
      this.#covered += members.length;
    }
    const last = new EncodedEvent({ type: "members", members: runs.at(-1)!, roster: true });
    return [...this.#whole, last];
  }
}
