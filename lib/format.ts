/**
 * Lines for line mode, the server log and `--json`: timestamps, and the
 * words of `event_text.ts` rendered IRC-style.
 *
 * @module
 */

import { eventText, ircLine } from "./event_text.ts";
import type { RoomLogEntry, RoomStats } from "./room_log.ts";
import { INDENT } from "./render.ts";
import type { SessionEvent } from "./session.ts";

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * The local time of day, `HH:MM:SS`.
 *
 * @param time Milliseconds since the epoch.
 * @returns The formatted time.
 */
export function clock(time: number): string {
  const date = new Date(time);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * The local date and time, `YYYY-MM-DD HH:MM:SS`, for logs.
 *
 * @param time Milliseconds since the epoch.
 * @returns The formatted date and time.
 */
export function timestamp(time: number): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock(time)}`;
}

/**
 * The line-mode text for a client event, without its timestamp.
 *
 * @param event What happened.
 * @param me My nickname, to tell my private messages from others'.
 * @returns The line, or `undefined` for events line mode does not show.
 *
 * @example Usage
 * ```ts
 * import { describeEvent } from "./format.ts";
 * import { equal } from "node:assert/strict";
 *
 * const event = { type: "msg", seq: 1, from: "bob", text: "hi", time: 0 } as const;
 * equal(describeEvent(event, "alice"), "<bob> hi");
 * ```
 */
export function describeEvent(event: SessionEvent, me: string): string | undefined {
  const text = eventText(event);
  if (text === undefined || text.quiet) return undefined;
  // A message's own lines go under its first, indented past the timestamp.
  return ircLine(text, me).replaceAll("\n", `\n${" ".repeat(INDENT)}`);
}

/**
 * The `--json` line for a client event: the stable contract documented in
 * the README (`message` for chat messages, `private` for private messages;
 * other types as on the wire).
 *
 * @param event What happened.
 * @returns One line of JSON.
 *
 * @example Usage
 * ```ts
 * import { jsonLine } from "./format.ts";
 * import { equal } from "node:assert/strict";
 *
 * const event = { type: "msg", seq: 4, from: "bob", text: "hi", time: 0 } as const;
 * equal(jsonLine(event), '{"type":"message","seq":4,"from":"bob","text":"hi","time":0}');
 * ```
 */
export function jsonLine(event: SessionEvent): string {
  const type = event.type === "msg" ? "message" : event.type === "pm" ? "private" : event.type;
  return JSON.stringify({ ...event, type });
}

/**
 * The server log's text for an entry, without its timestamp: the room
 * sequence number, the line as clients show it, and where a member joined from.
 *
 * @param entry What happened in the room.
 * @returns One line.
 *
 * @example Usage
 * ```ts
 * import { describeLogEntry } from "./format.ts";
 * import { equal } from "node:assert/strict";
 *
 * const event = { type: "join", seq: 3, nick: "bob", time: 0 } as const;
 * equal(describeLogEntry({ event, address: "10.0.0.7:5000" }), "#3 --> bob joined from 10.0.0.7:5000");
 * ```
 */
export function describeLogEntry(entry: RoomLogEntry): string {
  const text = eventText(entry.event)!;
  const seq = text.seq === undefined ? "" : `#${text.seq} `;
  const from = entry.address === undefined ? "" : ` from ${entry.address}`;
  return `${seq}${ircLine(text)}${from}`.replaceAll("\n", " ↵ ");
}

/**
 * The room's counters in words, for the teacher's `/stats` (a line each) and
 * the server's stop line (all on one).
 *
 * @param s The counters.
 * @param kernelDropped Datagrams the kernel dropped before the server read
 *   them (shed sources, a full queue), where the server can tell.
 * @returns Traffic, the protocol's repairs, drops by reason, and limits.
 *
 * @example Usage
 * ```ts
 * import { describeStats } from "./format.ts";
 * import { Room } from "./room.ts";
 * import { equal } from "node:assert/strict";
 *
 * const [traffic] = describeStats(new Room().stats);
 * equal(traffic, "datagrams: 0 in, 0 out; 0 events relayed; 0 stream frames sent, 0 retransmitted");
 * ```
 */
export function describeStats(s: RoomStats, kernelDropped?: number): string[] {
  const unread = kernelDropped === undefined
    ? ""
    : `; dropped by the kernel before reading (shed sources, a full queue): ${kernelDropped}`;
  return [
    `datagrams: ${s.datagrams} in, ${s.datagramsOut} out; ${s.relayed} events relayed; ` +
    `${s.sent} stream frames sent, ${s.retransmitted} retransmitted`,
    `acks: ${s.acks} sent, ${s.acksReceived} received; ${s.duplicates} duplicates dropped, ` +
    `${s.held} held back for a gap`,
    `dropped: ${s.garbage} garbage, ${s.oversize} oversize, ${s.badFrame} bad frames, ` +
    `${s.notJoined} from non-members, ${s.forged} forged or replayed, ${s.forgedAck} bad acks, ` +
    `${s.tooFarAhead} too far ahead`,
    `rate-limited: ${s.rateLimited}; over their datagram budget (flooding): ${s.overBudget}, ` +
    `sources shed ${s.shed} times${unread}; joins sent a retry: ${s.unvalidated}`,
  ];
}
