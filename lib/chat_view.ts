/**
 * What the full-screen client shows, without any I/O: session events become
 * styled lines (nicknames in stable colours, my messages marked, notices
 * dimmed, mentions highlighted), my messages waiting for delivery are listed
 * with their state, and the member list is tracked for the status line.
 *
 * @module
 */

import { clock, describeEvent, sanitize } from "./format.ts";
import type { Line, Span, Style } from "./render.ts";
import type { SessionEvent } from "./session.ts";

const PALETTE = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

/**
 * A nickname's colour: the same nick always gets the same colour.
 *
 * @param nick The nickname.
 * @returns An ANSI foreground colour code.
 *
 * @example Usage
 * ```ts
 * import { nickColor } from "./chat_view.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(nickColor("alice"), nickColor("alice"));
 * ```
 */
export function nickColor(nick: string): number {
  let hash = 2166136261;
  for (const char of nick) hash = Math.imul(hash ^ char.codePointAt(0)!, 16777619);
  return PALETTE[(hash >>> 0) % PALETTE.length];
}

/** Whether `text` mentions `nick` as a word, ignoring case. */
function mentions(text: string, nick: string): boolean {
  const escaped = nick.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}_])${escaped}($|[^\\p{L}\\p{N}_])`, "iu").test(text);
}

const DIM: Style = { dim: true };
const ERROR: Style = { color: 31, bold: true };
const MENTION: Style = { inverse: true, bold: true };

/** The state of the chat as the full-screen client draws it. */
export class ChatView {
  #lines: Line[] = [];
  #pending = new Map<number, { text: string; time: number; failed: boolean }>();
  #members = new Set<string>();
  #quietLists = 0;
  readonly #maxLines: number;

  /**
   * Creates an empty view.
   *
   * @param maxLines Lines kept for scrolling back.
   */
  constructor(maxLines = 5000) {
    this.#maxLines = maxLines;
  }

  /** The next member list answers a request the interface made itself: track it, do not show it. */
  expectQuietMembers(): void {
    this.#quietLists++;
  }

  /** Members currently known. */
  get members(): ReadonlySet<string> {
    return this.#members;
  }

  /** The pane's lines: the transcript, then my messages still on their way. */
  lines(): Line[] {
    const pending = [...this.#pending.values()].map(({ text, time, failed }): Line => [
      { text: `[${clock(time)}] `, style: DIM },
      { text: `${failed ? "✗" : "…"} ${sanitize(text)}`, style: failed ? ERROR : DIM },
      { text: failed ? "  not delivered yet: retrying" : "  sending", style: DIM },
    ]);
    return [...this.#lines, ...pending];
  }

  /**
   * Shows a local notice (help, hints, errors) in the pane.
   *
   * @param text The notice.
   * @param now The current time in ms.
   * @param error Whether it is an error.
   */
  notice(text: string, now: number, error = false): void {
    this.#push([{ text: `[${clock(now)}] `, style: DIM }, { text, style: error ? ERROR : DIM }]);
  }

  /**
   * Takes a session event into the view.
   *
   * @param event What happened.
   * @param me My nickname now.
   * @param now The current time in ms.
   * @returns Whether to ring the bell (a message mentioning me).
   */
  apply(event: SessionEvent, me: string, now: number): boolean {
    this.#track(event, me);
    switch (event.type) {
      case "pending":
        this.#pending.set(event.id, { text: event.text, time: now, failed: false });
        return false;
      case "delivered":
        this.#pending.delete(event.id);
        return false;
      case "failed": {
        const message = this.#pending.get(event.id);
        if (message) message.failed = true;
        return false;
      }
      case "msg":
      case "action":
      case "pm":
        return this.#message(event, me);
      case "members":
        if (this.#quietLists > 0 && !event.more) {
          this.#quietLists--;
          return false;
        }
    }
    const text = describeEvent(event, me);
    if (text === undefined) return false;
    const time = "time" in event ? event.time : now;
    const style = event.type === "error" || event.type === "refused" ? ERROR : DIM;
    this.#push([{ text: `[${clock(time)}] `, style: DIM }, { text, style }]);
    return false;
  }

  #message(event: Extract<SessionEvent, { type: "msg" | "action" | "pm" }>, me: string): boolean {
    const mine = event.from === me;
    const nick: Style = { color: nickColor(event.from), bold: mine, underline: mine };
    const mentioned = !mine && mentions(event.text, me);
    const body: Style | undefined = mentioned ? MENTION : undefined;
    const spans: Span[] = [{ text: `[${clock(event.time)}] `, style: DIM }];
    if ("history" in event && event.history) spans.push({ text: "(earlier) ", style: DIM });
    const from = sanitize(event.from);
    if (event.type === "msg") {
      spans.push({ text: `<${from}>`, style: nick }, {
        text: " " + sanitize(event.text),
        style: body,
      });
    } else if (event.type === "action") {
      spans.push({ text: `* ${from}`, style: nick }, {
        text: " " + sanitize(event.text),
        style: body,
      });
    } else if (event.type === "pm") {
      const label = mine ? `[pm to ${sanitize(event.to)}]` : `[pm from ${from}]`;
      spans.push({ text: label, style: { ...nick, color: 35 } }, {
        text: " " + sanitize(event.text),
        style: body,
      });
    }
    this.#push(spans);
    return mentioned || (event.type === "pm" && !mine);
  }

  #track(event: SessionEvent, me: string): void {
    if ("history" in event && event.history) return;
    switch (event.type) {
      case "connected":
        this.#members = new Set([event.nick]);
        break;
      case "join":
        this.#members.add(event.nick);
        break;
      case "leave":
        this.#members.delete(event.nick);
        break;
      case "rename":
        this.#members.delete(event.from);
        this.#members.add(event.nick);
        break;
      case "members":
        this.#members = new Set([...event.members, me]);
    }
  }

  #push(line: Line): void {
    this.#lines.push(line);
    if (this.#lines.length > this.#maxLines) {
      this.#lines.splice(0, this.#lines.length - this.#maxLines);
    }
  }
}
