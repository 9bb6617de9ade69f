/**
 * The full-screen client's status line, fitted to the terminal's width: when
 * everything does not fit, the least important parts go first, so the
 * connection state and the room stay on a 40-column screen.
 *
 * @module
 */

import { displayWidth } from "./width.ts";

/** One part of the status line. */
export interface StatusPart {
  /** What it shows. */
  text: string;
  /** Lower is more important: kept longest. */
  priority: number;
}

/** Between parts. */
const SEPARATOR = " · ";

/**
 * Joins the parts that fit in `width` cells, in their order, dropping the
 * least important first; a part that alone is too wide is cut with `…`.
 *
 * @param parts The parts, in display order.
 * @param width Cells available.
 * @returns The line, padded with a space on each side.
 *
 * @example Usage
 * ```ts
 * import { fitStatus } from "./status_line.ts";
 * import { equal } from "node:assert/strict";
 *
 * const parts = [
 *   { text: "udpchat", priority: 9 },
 *   { text: "Networks 101", priority: 1 },
 *   { text: "3 members", priority: 2 },
 *   { text: "connected", priority: 0 },
 * ];
 * equal(fitStatus(parts, 80), " udpchat · Networks 101 · 3 members · connected ");
 * equal(fitStatus(parts, 30), " Networks 101 · connected ");
 * ```
 */
export function fitStatus(parts: readonly StatusPart[], width: number): string {
  const kept = [...parts];
  const line = () => ` ${kept.map((part) => part.text).join(SEPARATOR)} `;
  while (kept.length > 1 && displayWidth(line()) > width) {
    const least = kept.reduce((a, b) => (b.priority >= a.priority ? b : a));
    kept.splice(kept.indexOf(least), 1);
  }
  return displayWidth(line()) <= width ? line() : cut(line(), width);
}

/** Cuts text to `width` cells, ending in `…`. */
function cut(text: string, width: number): string {
  let out = "";
  for (const char of text) {
    if (displayWidth(out + char) > width - 1) break;
    out += char;
  }
  return out + "…";
}
