/**
 * What the room reports to its host: log entries (for the console and the
 * transcript file) and counters.
 *
 * @module
 */

import type { RoomEvent } from "./frame.ts";
import type { JournalNotice } from "./room_journal.ts";
import type { StreamCounters } from "./stream.ts";

/** A private message, as the server log records it: without its text. */
export interface PmNotice {
  /** Notice type. */
  type: "pm";
  /** Sender. */
  from: string;
  /** Recipient. */
  to: string;
  /** When, in ms since 1970. */
  time: number;
}

/** The server shutting down. */
export interface ClosingNotice {
  /** Notice type. */
  type: "closing";
  /** When, in ms since 1970. */
  time: number;
}

/** One line's worth of server log. */
export interface RoomLogEntry {
  /** What happened. */
  event: RoomEvent | PmNotice | ClosingNotice | JournalNotice;
  /** The member's address, on joins. */
  address?: string;
  /** The sender's address, on its messages: the scope of their ids, kept in the transcript. */
  scope?: string;
}

/** Counters of what the room received and did; dropped datagrams by reason. */
export interface RoomStats extends StreamCounters {
  /** Datagrams received. */
  datagrams: number;
  /** Dropped unread: their source was over its datagram budget (flooding). */
  overBudget: number;
  /**
   * Times a source over its budget was shed: its datagrams dropped unread
   * for a while, by the kernel where the server can ask it to.
   */
  shed: number;
  /** Datagrams sent. */
  datagramsOut: number;
  /** Events queued for members (one per member per event). */
  relayed: number;
  /** Acknowledgements received from members. */
  acksReceived: number;
  /** Dropped: neither a frame nor text. */
  garbage: number;
  /** Dropped: larger than a datagram may be. */
  oversize: number;
  /** Dropped and answered: malformed, unknown version or type. */
  badFrame: number;
  /** Dropped and answered: a frame from a non-member. */
  notJoined: number;
  /** Dropped: from a member's address without its session's token or seal (forged or replayed). */
  forged: number;
  /** Joins answered with `retry`: their address not proved yet. */
  unvalidated: number;
  /** Requests not taken because their member was over the room's rate. */
  rateLimited: number;
  /** Ignored: acks for numbers never sent. */
  forgedAck: number;
  /** Dropped: stream frames too far ahead to buffer. */
  tooFarAhead: number;
}
