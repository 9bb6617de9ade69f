/**
 * Join and leave notices of a burst, relayed as one event. When a thousand
 * members join at once, telling every member present of every arrival is
 * about half a million frames; grouped, it is a few dozen per member.
 *
 * The first few notices of a {@linkcode NOTICE_WINDOW} go out at once, so a
 * classroom sees "ann joined" as it happens. Beyond those, notices wait for
 * the window's end and go out together, as one `joins` or `leaves` event
 * naming a run of consecutive room events, window after window while the
 * burst lasts. Any other event (a message, a rename) sends what waits
 * first, so nobody is heard before they are seen to join. Late joiners'
 * history is grouped the same way ({@linkcode groupRuns}).
 *
 * @module
 */

import type { RoomEvent, ServerEvent } from "./frame.ts";
import { memberCost, TEXT_CHUNK_BYTES } from "./parts.ts";

/** A room event that may be grouped: a member arrived or left. */
export type Notice = Extract<RoomEvent, { type: "join" | "leave" }>;

/** A run of notices as one event: `seq` is the last of the run, which has one seq per nick. */
export type NoticeGroup = Extract<ServerEvent, { type: "joins" | "leaves" }>;

/** How long a burst's notices wait to be grouped, in ms. */
export const NOTICE_WINDOW = 250;

const NOTHING: readonly ServerEvent[] = [];

/** Notices in one window that go out alone, at once: a few students arriving together. */
const ALONE = 4;

/**
 * Whether an event is a join or a leave notice.
 *
 * @param event A room event.
 * @returns `true` for `join` and `leave`.
 */
export function isNotice(event: RoomEvent): event is Notice {
  return event.type === "join" || event.type === "leave";
}

/**
 * The seq of the first event a group stands for.
 *
 * @param group A `joins` or `leaves` event.
 * @returns Its first room sequence number.
 *
 * @example Usage
 * ```ts
 * import { firstSeq } from "./notices.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(firstSeq({ type: "joins", seq: 9, nicks: ["ann", "bob", "cy"], time: 0 }), 7);
 * ```
 */
export function firstSeq(group: NoticeGroup): number {
  return group.seq - group.nicks.length + 1;
}

/**
 * The part of a group after a seq already shown (a late joiner saw the start
 * of a burst in its history).
 *
 * @param group A `joins` or `leaves` event.
 * @param shown The last seq shown, below the group's `seq`.
 * @returns The group naming only those after `shown`.
 *
 * @example Usage
 * ```ts
 * import { after } from "./notices.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const group = { type: "joins" as const, seq: 9, nicks: ["ann", "bob", "cy"], time: 0 };
 * deepEqual(after(group, 8).nicks, ["cy"]);
 * ```
 */
export function after<G extends NoticeGroup>(group: G, shown: number): G {
  const skip = Math.max(0, shown - firstSeq(group) + 1);
  return skip === 0 ? group : { ...group, nicks: group.nicks.slice(skip) };
}

/**
 * Consecutive notices of one kind (joins, returns, or leaves for one reason)
 * that fit in one frame.
 */
class Run {
  readonly notices: Notice[] = [];
  #cost = 0;

  /** Whether `notice` may join this run. */
  fits(notice: Notice): boolean {
    const last = this.notices.at(-1);
    if (last === undefined) return true;
    return notice.seq === last.seq + 1 && sameKind(last, notice) &&
      this.#cost + memberCost(notice.nick) <= TEXT_CHUNK_BYTES;
  }

  push(notice: Notice): void {
    this.notices.push(notice);
    this.#cost += memberCost(notice.nick);
  }

  /** The run as one event (a single notice stays itself), and the run emptied. */
  take(): readonly ServerEvent[] {
    if (this.notices.length === 0) return NOTHING; // every relayed message asks: no garbage
    const notices = this.notices.splice(0);
    this.#cost = 0;
    return [group(notices)];
  }
}

function sameKind(a: Notice, b: Notice): boolean {
  if (a.type === "join" && b.type === "join") return (a.back ?? false) === (b.back ?? false);
  return a.type === "leave" && b.type === "leave" && a.reason === b.reason;
}

function group(notices: Notice[]): ServerEvent {
  const [first] = notices;
  if (notices.length === 1) return first;
  const last = notices.at(-1)!;
  const shared = {
    seq: last.seq,
    nicks: notices.map((notice) => notice.nick),
    time: last.time,
    ...(first.history ? { history: true } : {}),
  };
  return first.type === "join"
    ? { type: "joins", ...shared, ...(first.back ? { back: true } : {}) }
    : { type: "leaves", ...shared, reason: first.reason };
}

/**
 * Groups the runs of notices in a list of room events (a late joiner's history).
 *
 * @param events Room events in seq order.
 * @returns The same events, each run of notices as one.
 *
 * @example Usage
 * ```ts
 * import { groupRuns } from "./notices.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const grouped = groupRuns([
 *   { type: "join", seq: 1, nick: "ann", time: 0 },
 *   { type: "join", seq: 2, nick: "bob", time: 0 },
 *   { type: "msg", seq: 3, from: "ann", text: "hi", time: 0 },
 * ]);
 * deepEqual(grouped.map((e) => e.type), ["joins", "msg"]);
 * ```
 */
export function groupRuns(events: readonly RoomEvent[]): ServerEvent[] {
  const out: ServerEvent[] = [];
  const run = new Run();
  for (const event of events) {
    if (!isNotice(event)) {
      out.push(...run.take(), event);
      continue;
    }
    if (!run.fits(event)) out.push(...run.take());
    run.push(event);
  }
  out.push(...run.take());
  return out;
}

/**
 * Holds the notices of a burst and says when to send them. Sans-I/O: it is
 * given the time, and the caller relays what it returns.
 *
 * @example Usage
 * ```ts
 * import { NoticeBatcher } from "./notices.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const notices = new NoticeBatcher(250);
 * const join = (seq: number, now: number) => notices.offer({ type: "join", seq, nick: `n${seq}`, time: now }, now);
 * for (let seq = 1; seq <= 4; seq++) equal(join(seq, 0).length, 1); // the first few: at once
 * equal(join(5, 10).length, 0); // then they wait
 * equal(join(6, 20).length, 0);
 * equal(notices.due, 250);
 * deepEqual(notices.flush(250).map((e) => e.type), ["joins"]);
 * ```
 */
export class NoticeBatcher {
  readonly #window: number;
  readonly #run = new Run();
  #windowStart = -Infinity;
  #sentAlone = 0;

  /**
   * Creates an empty batcher.
   *
   * @param window How long a burst's notices wait to be grouped, in ms.
   */
  constructor(window: number = NOTICE_WINDOW) {
    this.#window = window;
  }

  /** When what waits is to be sent, in ms; `Infinity` when nothing waits. */
  get due(): number {
    return this.#run.notices.length === 0 ? Infinity : this.#windowStart + this.#window;
  }

  /**
   * Takes a notice.
   *
   * @param notice A join or leave, the newest room event.
   * @param now The current time in ms.
   * @returns What to relay now: nothing (it waits), itself, or a group that
   *   waited and cannot take it (then it waits, in a run of its own).
   */
  offer(notice: Notice, now: number): readonly ServerEvent[] {
    const waiting = this.#run.notices.length > 0;
    if (!waiting && now >= this.#windowStart + this.#window) {
      this.#windowStart = now;
      this.#sentAlone = 0;
    }
    if (!waiting && this.#sentAlone < ALONE) {
      this.#sentAlone++;
      return [notice];
    }
    const out = this.#run.fits(notice) ? [] : this.flush(now);
    this.#run.push(notice);
    return out;
  }

  /**
   * Takes what waits, to be relayed now: when it is due, or before any other
   * event so that events keep their order.
   *
   * @param now The current time in ms.
   * @returns The waiting notices as one event, or nothing.
   */
  flush(now: number): readonly ServerEvent[] {
    const out = this.#run.take();
    if (out.length > 0) {
      // Still a burst: what comes in the next window waits for it too.
      this.#windowStart = now;
      this.#sentAlone = ALONE;
    }
    return out;
  }
}
