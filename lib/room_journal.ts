/**
 * The room's events on their way to the transcript: written in order as they
 * happen, and held in memory, still in order, while the transcript cannot be
 * written (a full disk, a file made read-only).
 *
 * The room saves what it could refuse — a message, a rename, a newcomer —
 * before relaying it, and refuses it when the save fails, so no message is
 * relayed or acknowledged as delivered unless it is on disk. What it cannot
 * refuse (a member leaving, the teacher's actions) it records: held here
 * when the write fails, and written first when the disk takes writes again.
 * While anything is held, nothing new is taken but leaves and the teacher's
 * actions, so what is held is bounded by the members present.
 *
 * @module
 */

import type { RoomEvent } from "./frame.ts";

/** Where the room's events are kept: the transcript file. */
export interface Journal {
  /**
   * Records one event, completely or not at all.
   *
   * @throws {Error} When it cannot be written; the room holds it and tries again.
   */
  append(event: RoomEvent, scope?: string): void;
}

/** What the journal tells the server's console, no more often than every few seconds. */
export interface JournalNotice {
  /** Notice type. */
  type: "journal";
  /** What happened, in words. */
  text: string;
  /** When, in ms since 1970. */
  time: number;
}

/** How often the console hears that the transcript still cannot be written, in ms. */
export const JOURNAL_NOTICE_EVERY = 5_000;

/**
 * Events in order on their way to a {@linkcode Journal}.
 *
 * @example Usage
 * ```ts
 * import { RoomJournal } from "./room_journal.ts";
 * import { equal } from "node:assert/strict";
 *
 * let full = true;
 * const journal = new RoomJournal({
 *   append() {
 *     if (full) throw new Error("No space left on device");
 *   },
 * }, () => {});
 * const leave = { type: "leave", nick: "bob", reason: "quit", seq: 1, time: 0 } as const;
 * journal.record(leave, undefined, 0); // held: it cannot be refused
 * const msg = { type: "msg", from: "amy", text: "hi", seq: 2, time: 1 } as const;
 * equal(journal.save(msg, undefined, 1), false); // refuse the message
 * full = false;
 * equal(journal.save(msg, undefined, 2), true); // the leave was written first, then this
 * ```
 */
export class RoomJournal {
  readonly #journal: Journal | undefined;
  readonly #notify: (notice: JournalNotice) => void;
  #waiting: { event: RoomEvent; scope?: string }[] = [];
  #heldSince: number | undefined;
  #toldAt = -Infinity;
  /** Messages, renames and joins refused while held. */
  #refused = 0;

  /**
   * Creates an empty journal.
   *
   * @param journal Where events go; without one, nothing is kept and nothing is refused.
   * @param notify Called with what the console should hear.
   */
  constructor(journal: Journal | undefined, notify: (notice: JournalNotice) => void) {
    this.#journal = journal;
    this.#notify = notify;
  }

  /** Events waiting for the transcript to be writable again. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Saves an event the room may still refuse: only when nothing is held and
   * the write succeeds.
   *
   * @param event The room event, with its `seq`.
   * @param scope The address it concerns, kept with it.
   * @param now The current time in ms.
   * @returns Whether it is saved; if not, the room must refuse it.
   */
  save(event: RoomEvent, scope: string | undefined, now: number): boolean {
    if (this.#journal === undefined) return true;
    if (this.#flush(now)) {
      try {
        this.#journal.append(event, scope);
        this.#recovered(now);
        return true;
      } catch (error) {
        this.#failed(error, now);
      }
    }
    this.#refused++;
    return false;
  }

  /**
   * Records an event the room cannot refuse, holding it while the transcript
   * cannot take it.
   *
   * @param event The room event, with its `seq`.
   * @param scope The address it concerns, kept with it.
   * @param now The current time in ms.
   */
  record(event: RoomEvent, scope: string | undefined, now: number): void {
    if (this.#journal === undefined) return;
    this.#waiting.push(scope === undefined ? { event } : { event, scope });
    if (this.#flush(now)) this.#recovered(now);
  }

  /**
   * Tries once more, e.g. when the server stops.
   *
   * @param now The current time in ms.
   * @returns The events that could not be written.
   */
  close(now: number): number {
    if (this.#flush(now)) this.#recovered(now);
    return this.#waiting.length;
  }

  /** Writes what waits, oldest first; `false` when a write fails. */
  #flush(now: number): boolean {
    while (this.#waiting.length > 0) {
      const { event, scope } = this.#waiting[0];
      try {
        this.#journal!.append(event, scope);
      } catch (error) {
        this.#failed(error, now);
        return false;
      }
      this.#waiting.shift();
    }
    return true;
  }

  /** Tells the console at once, then every few seconds while it lasts. */
  #failed(error: unknown, now: number): void {
    if (this.#heldSince !== undefined && now - this.#toldAt < JOURNAL_NOTICE_EVERY) return;
    this.#heldSince ??= now;
    this.#toldAt = now;
    const why = error instanceof Error ? error.message : String(error);
    const held = this.#waiting.length > 0 ? `; ${this.#waiting.length} held in memory` : "";
    const refused = this.#refused > 0 ? `; ${this.#refused} refused so far` : "";
    this.#notify({
      type: "journal",
      text: `cannot write the transcript (${why}): new messages are refused until it can${held}` +
        refused,
      time: now,
    });
  }

  /** Says so once the transcript takes writes after failing. */
  #recovered(now: number): void {
    if (this.#heldSince === undefined) return;
    const seconds = Math.round((now - this.#heldSince!) / 1000);
    this.#notify({
      type: "journal",
      text: `transcript writable again after ${seconds} s: messages are taken again ` +
        `(${this.#refused} were refused meanwhile)`,
      time: now,
    });
    this.#heldSince = undefined;
    this.#refused = 0;
  }
}
