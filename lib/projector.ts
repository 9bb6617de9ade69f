/**
 * What the projector page shows (`server.ts --http`): the room, its members
 * with their round-trip time and loss, the message feed, and the protocol's
 * counters. Pure: the HTTP adapter (`io/http.ts`) sends a
 * {@linkcode ProjectorSnapshot} to the page twice a second; the page works out
 * the rates and draws them.
 *
 * @module
 */

import { eventText, ircLine, type LineKind } from "./event_text.ts";
import type { RoomLogEntry, RoomStats } from "./room_log.ts";
import type { MemberInfo } from "./teacher.ts";

/** How many feed lines the page keeps. */
export const FEED_LINES = 40;

/** One line of the message feed. */
export interface FeedLine {
  /** When it happened, in ms since 1970. */
  time: number;
  /** What kind of line: message, action, join, notice… (for its colour). */
  kind: LineKind;
  /** The line as the server log words it; the page shows it as text, never as HTML. */
  text: string;
}

/** Everything the page shows, at one moment. */
export interface ProjectorSnapshot {
  /** The room's name. */
  room: string;
  /** The topic ("" for none). */
  topic: string;
  /** When, in ms since 1970. */
  at: number;
  /** The members, in joining order. */
  members: Array<Pick<MemberInfo, "nick" | "rtt" | "loss" | "plainText">>;
  /** The newest lines of the feed, oldest first. */
  feed: FeedLine[];
  /** The protocol at work, as running totals. */
  counters: {
    datagramsIn: number;
    datagramsOut: number;
    acksSent: number;
    acksReceived: number;
    sent: number;
    retransmitted: number;
    duplicates: number;
    held: number;
  };
}

/** What the snapshot is read from: the room's public faces. */
export interface ProjectorSource {
  /** The topic. */
  readonly topic: string;
  /** The counters. */
  readonly stats: RoomStats;
  /** Who is here. */
  readonly teacher: { who(): MemberInfo[] };
}

/**
 * The feed and the snapshots for the projector page.
 *
 * @example Usage
 * ```ts
 * import { Projector } from "./projector.ts";
 * import { Room } from "./room.ts";
 * import { equal } from "node:assert/strict";
 *
 * const room = new Room({ name: "lab" });
 * const projector = new Projector("lab", room);
 * projector.record([{ event: { type: "msg", seq: 1, from: "ann", text: "<b>hi</b>", time: 0 } }]);
 * const snapshot = projector.snapshot(0);
 * equal(snapshot.feed[0].text, "<ann> <b>hi</b>"); // text: the page never reads it as HTML
 * equal(snapshot.counters.retransmitted, 0);
 * ```
 */
export class Projector {
  readonly #name: string;
  readonly #room: ProjectorSource;
  #feed: FeedLine[] = [];

  /**
   * Creates the projector for a room.
   *
   * @param name The room's name.
   * @param room The room.
   */
  constructor(name: string, room: ProjectorSource) {
    this.#name = name;
    this.#room = room;
  }

  /**
   * Adds what the room reported to the feed; private messages are left out
   * (the whole class reads the projector).
   *
   * @param entries The room's log entries, in order.
   */
  record(entries: readonly RoomLogEntry[]): void {
    for (const { event } of entries) {
      if (event.type === "pm") continue;
      const text = eventText(event);
      if (text === undefined) continue;
      this.#feed.push({ time: event.time, kind: text.kind, text: ircLine(text) });
    }
    if (this.#feed.length > 2 * FEED_LINES) this.#feed = this.#feed.slice(-FEED_LINES);
  }

  /**
   * The page's view of the room now.
   *
   * @param now The current time in ms.
   * @returns A snapshot, to send as JSON.
   */
  snapshot(now: number): ProjectorSnapshot {
    const stats = this.#room.stats;
    return {
      room: this.#name,
      topic: this.#room.topic,
      at: now,
      members: this.#room.teacher.who().map(({ nick, rtt, loss, plainText }) => ({
        nick,
        plainText,
        ...(rtt === undefined ? {} : { rtt: Math.round(rtt * 10) / 10 }),
        ...(loss === undefined ? {} : { loss: Math.round(loss * 1000) / 1000 }),
      })),
      feed: this.#feed.slice(-FEED_LINES),
      counters: {
        datagramsIn: stats.datagrams,
        datagramsOut: stats.datagramsOut,
        acksSent: stats.acks,
        acksReceived: stats.acksReceived,
        sent: stats.sent,
        retransmitted: stats.retransmitted,
        duplicates: stats.duplicates,
        held: stats.held,
      },
    };
  }
}
