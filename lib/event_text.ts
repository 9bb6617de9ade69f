/**
 * What an event says, in words: the one place that turns each event type
 * into text. Every text output renders the result its own way — line mode and
 * the server log with IRC-style markers (`<bob>`, `-->`, `!!!`), the
 * full-screen client with colours, legacy members in the tutorial's
 * `bob: hi` style — so a new event type is added here and nowhere else.
 *
 * All text is passed through {@linkcode sanitize}: whatever a member typed,
 * it only prints.
 *
 * @module
 */

import type { LeaveReason, TeacherEvent } from "./frame.ts";
import type { RoomLogEntry } from "./room_log.ts";
import { sanitize } from "./sanitize.ts";
import type { SessionEvent } from "./session.ts";

/** Anything an output may be asked to show: a client's events or the server's log entries. */
export type ShownEvent = SessionEvent | RoomLogEntry["event"];

/**
 * What kind of line an event makes, which decides its marker and style:
 * member speech (`message`, `action`, `private`) or a notice.
 */
export type LineKind =
  | "message"
  | "action"
  | "private"
  | "join"
  | "leave"
  | "info"
  | "announce"
  | "error";

/** A piece of a notice's sentence; `nick` marks a member's name. */
export interface Part {
  /** The text, sanitised. */
  text: string;
  /** Whether this piece is a nickname. */
  nick?: boolean;
}

/** An event in words. */
export interface EventText {
  /** What kind of line it makes. */
  kind: LineKind;
  /** Who speaks, for `message`, `action` and `private`. */
  from?: string;
  /** To whom, for `private`. */
  to?: string;
  /** What was said, for speech (its own line breaks kept); absent for a private message the server logs without text. */
  body?: string;
  /** The sentence of a notice (empty for speech). */
  parts: Part[];
  /** A room event replayed from history. */
  history: boolean;
  /** When it happened, if the event says (ms since 1970). */
  time?: number;
  /** The room sequence number, for room events. */
  seq?: number;
  /**
   * For the server's log only, not members' screens: a member coming back
   * (after a reconnect or a server restart), whom the room already knows.
   */
  quiet?: boolean;
}

const LEFT: Record<LeaveReason, string> = {
  quit: "left",
  timeout: "timed out",
  closing: "left (server closing)",
  overload: "was dropped (too far behind)",
};

const LEFT_MANY: Record<LeaveReason, string> = {
  ...LEFT,
  overload: "were dropped (too far behind)",
};

/** Names shown in a group notice before "and N others". */
const NAMED = 8;

/** `ann, bob and cy`, or `ann, …, hal and 12 others`. */
function names(nicks: readonly string[], nick: (name: string) => Part): Part[] {
  const shown = nicks.length > NAMED + 1 ? nicks.slice(0, NAMED) : nicks;
  const parts = shown.flatMap((name, i) => {
    const last = i === shown.length - 1 && shown.length === nicks.length;
    const separator = i === 0 ? [] : [{ text: last ? " and " : ", " }];
    return [...separator, nick(name)];
  });
  if (shown.length < nicks.length) {
    parts.push({ text: ` and ${nicks.length - shown.length} others` });
  }
  return parts;
}

/**
 * Puts an event into words.
 *
 * @param event A session event or a server log entry's event.
 * @returns Its text, or `undefined` for events that are not shown as a line
 *   (delivery status, for instance).
 *
 * @example Usage
 * ```ts
 * import { eventText } from "./event_text.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const text = eventText({ type: "join", seq: 3, nick: "bob", time: 0 });
 * deepEqual(text?.parts, [{ text: "bob", nick: true }, { text: " joined" }]);
 * ```
 */
export function eventText(event: ShownEvent): EventText | undefined {
  const s = sanitize;
  const nick = (name: string): Part => ({ text: s(name), nick: true });
  const plain = (text: string): Part => ({ text });
  const base = {
    history: "history" in event && event.history === true,
    ...("time" in event ? { time: event.time } : {}),
    ...("seq" in event ? { seq: event.seq } : {}),
  };
  const notice = (kind: LineKind, ...parts: Part[]): EventText => ({ kind, parts, ...base });
  switch (event.type) {
    case "msg":
    case "action":
      return {
        kind: event.type === "msg" ? "message" : "action",
        from: s(event.from),
        body: sanitize(event.text, true),
        parts: [],
        ...base,
      };
    case "pm":
      return {
        kind: "private",
        from: s(event.from),
        to: s(event.to),
        ...("text" in event ? { body: sanitize(event.text, true) } : {}),
        parts: [],
        ...base,
      };
    case "join":
      return event.back
        ? { ...notice("join", nick(event.nick), plain(" is back")), quiet: true }
        : notice("join", nick(event.nick), plain(" joined"));
    case "leave":
      return notice("leave", nick(event.nick), plain(` ${LEFT[event.reason]}`));
    case "joins":
      return event.back
        ? { ...notice("join", ...names(event.nicks, nick), plain(" are back")), quiet: true }
        : notice("join", ...names(event.nicks, nick), plain(" joined"));
    case "leaves":
      return notice("leave", ...names(event.nicks, nick), plain(` ${LEFT_MANY[event.reason]}`));
    case "rename":
      return notice("info", nick(event.from), plain(" is now known as "), nick(event.nick));
    case "members":
      return notice(
        "info",
        plain(`${event.members.length} in the room: `),
        ...event.members.flatMap((name, i) => i === 0 ? [nick(name)] : [plain(", "), nick(name)]),
      );
    case "error":
      return notice("error", plain(s(event.message)));
    case "refused":
      return notice("error", plain(`the server refused to let you in: ${s(event.reason)}`));
    case "failed":
      return event.final
        ? notice("error", plain(`not sent — ${s(event.reason)}: ${s(event.text)}`))
        : notice("error", plain(`not delivered (${event.reason}): ${s(event.text)}`));
    case "connected":
      return notice(
        "info",
        plain(`${event.reconnected ? "reconnected" : "joined"} "${s(event.room)}" as `),
        nick(event.nick),
        plain(event.reconnected ? "" : ` (${event.members} here; /help for commands)`),
        plain(event.nick !== event.requested ? ` — '${s(event.requested)}' was taken` : ""),
      );
    case "reconnecting":
      return notice("info", plain(`connection lost (${event.reason}); reconnecting…`));
    case "slow":
      return notice(
        "info",
        plain(
          `slow down: the room takes ${event.rate} messages a second; the rest wait their turn`,
        ),
      );
    case "closing":
      return notice("info", plain("server closing"));
    case "journal":
      return notice("error", plain(event.text));
    case "teacher":
      return teacherText(event, notice, nick, plain);
    case "removed":
      return notice("error", plain(removedText(event.action, event.text, event.minutes)));
    case "pending":
    case "delivered":
    case "unreachable":
    case "left":
      return undefined;
  }
}

/** The words for what the teacher did. */
function teacherText(
  event: TeacherEvent,
  notice: (kind: LineKind, ...parts: Part[]) => EventText,
  nick: (name: string) => Part,
  plain: (text: string) => Part,
): EventText {
  const who = nick(event.nick ?? "someone");
  const because = event.text ? `: ${sanitize(event.text)}` : "";
  const minutes = event.minutes ? ` for ${event.minutes} minutes` : "";
  switch (event.action) {
    case "say":
      return notice("announce", plain(`teacher: ${sanitize(event.text ?? "")}`));
    case "topic":
      return notice("info", plain(`the teacher set the topic: ${sanitize(event.text ?? "")}`));
    case "kick":
      return notice("leave", who, plain(` was removed by the teacher${because}`));
    case "ban":
      return notice("leave", who, plain(` was banned by the teacher${minutes}${because}`));
    case "unban":
      return notice("info", plain("the teacher lifted the ban on "), who);
    case "mute":
      return notice("info", who, plain(" was muted by the teacher"));
    case "unmute":
      return notice("info", who, plain(" may speak again"));
    case "slow":
      return notice(
        "info",
        plain(`the teacher set the room's rate to ${event.rate} messages a second`),
      );
    case "restart":
      return notice("info", plain("the server restarted; everyone here is coming back"));
  }
}

/**
 * What a member removed by the teacher is told.
 *
 * @param action `kick` or `ban`.
 * @param text The teacher's reason, if any.
 * @param minutes How long a ban lasts, if not until the server stops.
 * @returns One sentence.
 */
export function removedText(action: string, text?: string, minutes?: number): string {
  const because = text ? `: ${sanitize(text)}` : "";
  if (action !== "ban") return `you were removed by the teacher${because}`;
  return `you were banned by the teacher${minutes ? ` for ${minutes} minutes` : ""}${because}`;
}

/** The marker that starts a notice line in text outputs. */
export const MARKERS: Readonly<Record<LineKind, string>> = {
  message: "",
  action: "* ",
  private: "",
  join: "--> ",
  leave: "<-- ",
  info: "--- ",
  announce: "*** ",
  error: "!!! ",
};

/**
 * Who speaks, as a line shows it: `<bob>`, `* bob`, `[pm to ann]` or
 * `[pm from bob]`.
 *
 * @param text The text of a `message`, `action` or `private` event.
 * @param me My nickname, to tell my private messages from others'.
 * @returns The label that goes before the body.
 */
export function speakerLabel(text: EventText, me?: string): string {
  switch (text.kind) {
    case "message":
      return `<${text.from}>`;
    case "private":
      return text.from === me ? `[pm to ${text.to}]` : `[pm from ${text.from}]`;
    default:
      return `* ${text.from}`;
  }
}

/**
 * The IRC-style line for an event's text, as line mode and the server log
 * show it: `<bob> hi`, `* bob waves`, `--> bob joined`, `!!! …`.
 *
 * @param text The event's text.
 * @param me My nickname, to tell my private messages from others'.
 * @returns One line, without a timestamp; `(earlier) ` starts replayed history.
 *
 * @example Usage
 * ```ts
 * import { eventText, ircLine } from "./event_text.ts";
 * import { equal } from "node:assert/strict";
 *
 * const text = eventText({ type: "msg", seq: 1, from: "bob", text: "hi", time: 0 })!;
 * equal(ircLine(text, "alice"), "<bob> hi");
 * ```
 */
export function ircLine(text: EventText, me?: string): string {
  const earlier = text.history ? "(earlier) " : "";
  if (text.from === undefined) {
    return `${earlier}${MARKERS[text.kind]}${text.parts.map((part) => part.text).join("")}`;
  }
  if (text.body === undefined) return `[pm] ${text.from} -> ${text.to} (text not logged)`;
  return `${earlier}${speakerLabel(text, me)} ${text.body}`;
}

/**
 * The line a legacy (plain-text) member receives, in the original tutorial's
 * style: `bob: hi` for speech, `* …` for everything else, ending in a newline.
 *
 * @param text The event's text.
 * @returns The line.
 *
 * @example Usage
 * ```ts
 * import { eventText, legacyLine } from "./event_text.ts";
 * import { equal } from "node:assert/strict";
 *
 * const text = eventText({ type: "join", seq: 2, nick: "bob", time: 0 })!;
 * equal(legacyLine(text), "* bob joined\n");
 * ```
 */
export function legacyLine(text: EventText): string {
  switch (text.kind) {
    case "message":
      return `${text.from}: ${text.body}\n`;
    case "action":
      return `* ${text.from} ${text.body}\n`;
    case "private":
      return `[pm] ${text.from}: ${text.body ?? ""}\n`;
    default: {
      const marker = text.kind === "announce" ? "***" : "*";
      return `${marker} ${text.parts.map((part) => part.text).join("")}\n`;
    }
  }
}
