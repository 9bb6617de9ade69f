/**
 * What the full-screen client shows, without any I/O: session events become
 * styled lines (nicknames in stable colours, my messages marked, notices
 * dimmed, mentions highlighted), and my messages waiting for delivery are
 * listed with their state. The words come from `event_text.ts`.
 *
 * @module
 */

import { type EventText, eventText, MARKERS, speakerLabel } from "./event_text.ts";
import { clock } from "./format.ts";
import type { Line, Span, Style } from "./render.ts";
import { sanitize } from "./sanitize.ts";
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
 * const colours = new Set(["ann", "ben", "cat", "dan", "eve", "fay"].map(nickColor));
 * equal(colours.size >= 4, true); // different members, mostly different colours
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
const ANNOUNCE: Style = { bold: true, color: 93 };

/** The state of the chat as the full-screen client draws it. */
export class ChatView {
  #lines: Line[] = [];
  #added = 0;
  #pending = new Map<number, { text: string; time: number; failed: boolean }>();
  readonly #maxLines: number;

  /**
   * Creates an empty view.
   *
   * @param maxLines Lines kept for scrolling back.
   */
  constructor(maxLines = 5000) {
    this.#maxLines = maxLines;
  }

  /** How many lines were ever added to the transcript: the difference says how many are new. */
  get added(): number {
    return this.#added;
  }

  /**
   * The newest lines of the transcript (not my messages on their way).
   *
   * @param count How many.
   * @returns Up to `count` lines, oldest first.
   */
  newest(count: number): Line[] {
    return count <= 0 ? [] : this.#lines.slice(-count);
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
    const marked = MARKERS[error ? "error" : "info"] + text;
    this.#push([{ text: `[${clock(now)}] `, style: DIM }, {
      text: marked,
      style: error ? ERROR : DIM,
    }]);
  }

  /**
   * Takes a session event into the view.
   *
   * @param event What happened.
   * @param me My nickname now.
   * @param now The current time in ms.
   * @returns Whether to ring the bell (a message mentioning me, or a private one to me).
   */
  apply(event: SessionEvent, me: string, now: number): boolean {
    switch (event.type) {
      case "pending":
        this.#pending.set(event.id, { text: event.text, time: now, failed: false });
        return false;
      case "delivered":
        this.#pending.delete(event.id);
        return false;
      case "failed": {
        // Refused by the server: no longer pending, and a line says why.
        if (event.final) {
          this.#pending.delete(event.id);
          break;
        }
        const message = this.#pending.get(event.id);
        if (message) message.failed = true;
        return false;
      }
    }
    const text = eventText(event);
    if (text === undefined || text.quiet) return false;
    const spans: Span[] = [{ text: `[${clock(text.time ?? now)}] `, style: DIM }];
    if (text.history) spans.push({ text: "(earlier) ", style: DIM });
    if (text.from === undefined) {
      this.#push([...spans, ...this.#notice(text)]);
      return false;
    }
    const mine = text.from === me;
    const nick: Style = { color: nickColor(text.from), bold: mine, underline: mine };
    const mentioned = !mine && mentions(text.body ?? "", me);
    const label = speakerLabel(text, me);
    const labelStyle = text.kind === "private" ? { ...nick, color: 35 } : nick;
    spans.push({ text: label, style: labelStyle }, {
      text: ` ${text.body}`,
      style: mentioned ? MENTION : undefined,
    });
    this.#push(spans);
    return mentioned || (text.kind === "private" && !mine);
  }

  /** A notice's sentence: dimmed, or red for errors; names keep their colour. */
  #notice(text: EventText): Span[] {
    const marker = MARKERS[text.kind];
    const whole = marker + text.parts.map((part) => part.text).join("");
    if (text.kind === "error") return [{ text: whole, style: ERROR }];
    if (text.kind === "announce") return [{ text: whole, style: ANNOUNCE }];
    return [
      { text: marker, style: DIM },
      ...text.parts.map((part): Span => ({
        text: part.text,
        style: part.nick ? { ...DIM, color: nickColor(part.text) } : DIM,
      })),
    ];
  }

  #push(line: Line): void {
    this.#added++;
    this.#lines.push(line);
    if (this.#lines.length > this.#maxLines) {
      this.#lines.splice(0, this.#lines.length - this.#maxLines);
    }
  }
}
