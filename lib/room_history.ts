/**
 * The room's memory: the last room events, replayed to late joiners and to
 * members coming back, and the ids of recent messages, so a message resent
 * after a reconnect is relayed only once.
 *
 * @module
 */

import type { RoomEvent } from "./frame.ts";

/** Message ids remembered for de-duplication. */
const RECENT_IDS = 4096;

/**
 * Recent room events and message ids.
 *
 * @example Usage
 * ```ts
 * import { RoomHistory } from "./room_history.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const history = new RoomHistory(2);
 * for (const seq of [1, 2, 3]) history.remember({ type: "join", seq, nick: `n${seq}`, time: 0 });
 * deepEqual(history.replay(undefined).map((e) => [e.seq, e.history]), [[2, true], [3, true]]);
 * deepEqual(history.replay(2).map((e) => e.seq), [3]);
 * equal(history.seq, 3);
 * ```
 */
export class RoomHistory {
  readonly #size: number;
  #events: RoomEvent[] = [];
  #ids = new Set<string>();
  #seq = 0;

  /**
   * Creates an empty history.
   *
   * @param size Room events kept.
   */
  constructor(size: number) {
    this.#size = size;
  }

  /** The last room sequence number given out or restored. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Keeps an event (and its message id, if any, in its sender's scope).
   *
   * @param event A room event, newer than every event kept.
   * @param scope Who sent it (its address): ids are unique only per sender.
   */
  remember(event: RoomEvent, scope = ""): void {
    this.#seq = Math.max(this.#seq, event.seq);
    this.#events.push(event);
    if (this.#events.length > this.#size) this.#events.shift();
    if ("id" in event && event.id !== undefined) {
      this.#ids.add(`${scope}\n${event.id}`);
      if (this.#ids.size > RECENT_IDS) this.#ids.delete(this.#ids.values().next().value!);
    }
  }

  /**
   * Whether this sender's message with this id was relayed recently. Another
   * sender's ids never count, so nobody can pre-empt a member's messages.
   *
   * @param scope Who sends it (its address).
   * @param id A message id.
   * @returns `true` if it was.
   */
  seen(scope: string, id: string): boolean {
    return this.#ids.has(`${scope}\n${id}`);
  }

  /**
   * What a member should be sent: all kept events marked `history` for a
   * newcomer (`last` undefined), or the events after `last` for a member
   * coming back; in both cases only those before `until`.
   *
   * @param last The last `seq` the member has shown, in this room's epoch.
   * @param until Events from this `seq` on are sent some other way.
   * @returns The events, oldest first.
   */
  replay(last: number | undefined, until = Infinity): RoomEvent[] {
    const kept = this.#events.filter((event) => event.seq < until);
    return last === undefined
      ? kept.map((event) => ({ ...event, history: true }))
      : kept.filter((event) => event.seq > last);
  }
}
