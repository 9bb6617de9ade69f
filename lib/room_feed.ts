/**
 * The room's events on their way out. Each gets the next room-wide `seq`,
 * is saved in the transcript (or held while the disk refuses it: see
 * `room_journal.ts`), remembered for late joiners (`room_history.ts`),
 * logged, and relayed to every member — the joins and leaves of a burst
 * grouped into one event (`notices.ts`). The one path by which anything
 * becomes part of the transcript every member shares.
 *
 * @module
 */

import { Broadcast } from "./broadcast.ts";
import type { DistributiveOmit, RoomEvent, ServerEvent } from "./frame.ts";
import type { Member } from "./membership.ts";
import { isNotice, NoticeBatcher } from "./notices.ts";
import { RoomHistory } from "./room_history.ts";
import { type Journal, RoomJournal } from "./room_journal.ts";
import type { RoomLogEntry, RoomStats } from "./room_log.ts";

/** An event before the feed numbers it. */
export type UnnumberedEvent = DistributiveOmit<RoomEvent, "seq">;

/** Whom a {@linkcode RoomFeed} relays to, and what it tells the room. */
export interface FeedAudience {
  /** Visits the members now, to relay to; one removed during the walk is not visited after. */
  eachMember(visit: (member: Member) => void): void;
  /** Something was queued for a member: its timers may have moved. */
  touched(member: Member): void;
  /** A member's backlog overflowed: the room removes it. */
  overloaded(member: Member, now: number): void;
  /** Reports a log entry (the event, or the journal's trouble). */
  report(entry: RoomLogEntry): void;
  /** Counted here: events queued for members. */
  readonly stats: Pick<RoomStats, "relayed">;
}

/**
 * Numbers, saves, remembers and relays the room's events.
 *
 * @example Usage
 * ```ts
 * import { RoomFeed } from "./room_feed.ts";
 * import { equal } from "node:assert/strict";
 *
 * const logged: number[] = [];
 * const feed = new RoomFeed(50, undefined, {
 *   eachMember() {},
 *   touched() {},
 *   overloaded() {},
 *   report: (entry) => logged.push("seq" in entry.event ? entry.event.seq : 0),
 *   stats: { relayed: 0 },
 * });
 * equal(feed.offer({ type: "msg", from: "ann", text: "hi", time: 0 }, 0), true);
 * feed.announce({ type: "leave", nick: "ann", reason: "quit", time: 1 }, 1);
 * equal(feed.seq, 2);
 * equal(logged.join(), "1,2");
 * ```
 */
export class RoomFeed {
  /** Recent events and message ids, for late joiners and resent messages. */
  readonly history: RoomHistory;
  readonly #journal: RoomJournal;
  /** Joins and leaves of a burst, waiting to go out as one event. */
  readonly #notices = new NoticeBatcher();
  readonly #audience: FeedAudience;

  /**
   * Creates the feed.
   *
   * @param history How many recent events to keep for late joiners.
   * @param journal The transcript, if the server keeps one.
   * @param audience The members, and the room's log.
   */
  constructor(history: number, journal: Journal | undefined, audience: FeedAudience) {
    this.history = new RoomHistory(history);
    this.#journal = new RoomJournal(journal, (event) => audience.report({ event }));
    this.#audience = audience;
  }

  /** The last room sequence number given out. */
  get seq(): number {
    return this.history.seq;
  }

  /** When grouped joins and leaves are due to go out (`Infinity`: none waiting). */
  get due(): number {
    return this.#notices.due;
  }

  /**
   * Sends the grouped joins and leaves that are due.
   *
   * @param now The current time in ms.
   */
  flushDue(now: number): void {
    if (this.#notices.due > now) return;
    for (const event of this.#notices.flush(now)) this.#relay(event, now);
  }

  /**
   * Gives an event the next `seq`, records it (held if the transcript cannot
   * take it now) and relays it to every member. For what the room cannot
   * refuse: leaves, the teacher's actions.
   *
   * @param event The event.
   * @param now The current time in ms.
   * @param scope The address it concerns, kept in the transcript, never sent.
   */
  announce(event: UnnumberedEvent, now: number, scope?: string): void {
    const full = this.#stamp(event);
    this.#journal.record(full, scope, now);
    this.#publish(full, now, scope);
  }

  /**
   * Announces an event only if the transcript takes it, so nothing is relayed
   * that is not on disk.
   *
   * @param event The event.
   * @param now The current time in ms.
   * @param scope The address it concerns: a message's sender (its ids are the
   *   sender's own), a joiner, a banned IP.
   * @param apply Makes the change the event records (a member added, a name
   *   changed), once it is saved and before it is relayed.
   * @returns Whether it was announced; if not, refuse what caused it.
   */
  offer(event: UnnumberedEvent, now: number, scope?: string, apply?: () => void): boolean {
    const full = this.#stamp(event);
    if (!this.#journal.save(full, scope, now)) return false;
    apply?.();
    this.#publish(full, now, scope);
    return true;
  }

  /**
   * Stops: the transcript is closed.
   *
   * @param now The current time in ms.
   * @returns How many events could not be written to it.
   */
  close(now: number): number {
    return this.#journal.close(now);
  }

  /** The event with the next `seq`, not yet given out, and whole milliseconds on the wire. */
  #stamp(event: UnnumberedEvent): RoomEvent {
    return { ...event, seq: this.history.seq + 1, time: Math.floor(event.time) } as RoomEvent;
  }

  /** Remembers a stamped (and saved) event, logs it and relays it to every member. */
  #publish(full: RoomEvent, now: number, scope?: string): void {
    this.history.remember(full, scope);
    const address = full.type === "join" ? scope : undefined;
    this.#audience.report({
      event: full,
      ...(address ? { address } : {}),
      ...(scope ? { scope } : {}),
    });
    // Joins and leaves of a burst go out grouped; anything else sends what waits first.
    if (isNotice(full)) {
      for (const event of this.#notices.offer(full, now)) this.#relay(event, now);
      return;
    }
    for (const event of this.#notices.flush(now)) this.#relay(event, now);
    this.#relay(full, now);
  }

  /** Sends an event to every member, encoded once per protocol. */
  #relay(event: ServerEvent, now: number): void {
    const broadcast = new Broadcast(event);
    const audience = this.#audience;
    // A callback rather than `for…of`: an iterator's result object per member was 13 MB of
    // garbage in a run of 400,000 deliveries.
    audience.eachMember((member) => {
      audience.stats.relayed++;
      audience.touched(member);
      if (!member.channel.relay(broadcast, now)) audience.overloaded(member, now);
    });
  }
}
