/**
 * Turning events into text for people (line mode, server log) and JSON lines
 * for programs. Text from other members is always passed through
 * {@linkcode sanitize} before it reaches a terminal.
 *
 * @module
 */

import type { RoomLogEntry } from "./room.ts";
import type { SessionEvent } from "./session.ts";

/**
 * Makes text safe to write to a terminal: control characters (C0, DEL, C1)
 * become visible symbols such as `␛`, and bidirectional overrides become
 * `<U+202E>`-style tags, so nobody can clear, recolour or reorder another
 * member's screen.
 *
 * @param text Text received from the network.
 * @returns Text that only prints.
 *
 * @example Usage
 * ```ts
 * import { sanitize } from "./format.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(sanitize("\x1b[2Jhi"), "␛[2Jhi");
 * ```
 */
export function sanitize(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (char) => {
    const code = char.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "␡";
    return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
  });
}

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

const LEFT: Record<string, string> = {
  quit: "left",
  timeout: "timed out",
  closing: "left (server closing)",
  overload: "was dropped (too far behind)",
};

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
  const s = sanitize;
  const earlier = "history" in event && event.history ? "(earlier) " : "";
  switch (event.type) {
    case "msg":
      return `${earlier}<${s(event.from)}> ${s(event.text)}`;
    case "action":
      return `${earlier}* ${s(event.from)} ${s(event.text)}`;
    case "pm":
      return event.from === me
        ? `[pm to ${s(event.to)}] ${s(event.text)}`
        : `[pm from ${s(event.from)}] ${s(event.text)}`;
    case "join":
      return `${earlier}--> ${s(event.nick)} joined`;
    case "leave":
      return `${earlier}<-- ${s(event.nick)} ${LEFT[event.reason] ?? "left"}`;
    case "rename":
      return `${earlier}--- ${s(event.from)} is now known as ${s(event.nick)}`;
    case "members":
      return `--- ${event.members.length} in the room: ${event.members.map(s).join(", ")}`;
    case "error":
      return `!!! ${s(event.message)}`;
    case "connected":
      return [
        `--- ${event.reconnected ? "reconnected" : "joined"} "${s(event.room)}" as ${
          s(event.nick)
        }`,
        event.reconnected ? "" : ` (${event.members} here; /help for commands)`,
        event.nick !== event.requested ? ` — '${s(event.requested)}' was taken` : "",
      ].join("");
    case "reconnecting":
      return `--- connection lost (${event.reason}); reconnecting…`;
    case "failed":
      return `!!! not delivered (${event.reason}): ${s(event.text)}`;
    case "refused":
      return `!!! the server refused to let you in: ${s(event.reason)}`;
    case "pending":
    case "delivered":
    case "unreachable":
    case "left":
      return undefined;
  }
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
 * The server log's text for an entry, without its timestamp.
 *
 * @param entry What happened in the room.
 * @returns One line.
 */
export function describeLogEntry(entry: RoomLogEntry): string {
  const event = entry.event;
  const s = sanitize;
  switch (event.type) {
    case "msg":
      return `#${event.seq} <${s(event.from)}> ${s(event.text)}`;
    case "action":
      return `#${event.seq} * ${s(event.from)} ${s(event.text)}`;
    case "join":
      return `#${event.seq} join ${s(event.nick)} from ${entry.address ?? "?"}`;
    case "leave":
      return `#${event.seq} ${event.reason === "timeout" ? "timeout" : "leave"} ${s(event.nick)}${
        event.reason === "overload" ? " (too far behind)" : ""
      }`;
    case "rename":
      return `#${event.seq} rename ${s(event.from)} -> ${s(event.nick)}`;
    case "pm":
      return `private message ${s(event.from)} -> ${s(event.to)}`;
    case "closing":
      return "closing: members told";
  }
}
