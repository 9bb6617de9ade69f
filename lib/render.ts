/**
 * The full-screen layout, without any I/O: a scrolling message pane, a status
 * line and an input line at the bottom. {@linkcode renderScreen} turns the
 * state into the exact rows to write and where the cursor goes; the terminal
 * adapter only writes them. Widths are measured in cells (wide characters
 * take two), so wrapping and the cursor stay right for any script.
 *
 * @module
 */

import { displayWidth, graphemes, graphemeWidth } from "./width.ts";

/** How a span of text looks. */
export interface Style {
  /** ANSI foreground colour code (31–37, 91–96); dropped when colour is off. */
  color?: number;
  /** Bold. */
  bold?: boolean;
  /** Dimmed. */
  dim?: boolean;
  /** Foreground and background swapped. */
  inverse?: boolean;
  /** Underlined. */
  underline?: boolean;
}

/** A run of text in one style. */
export interface Span {
  /** The text, without control characters. */
  text: string;
  /** How it looks; the default style when absent. */
  style?: Style;
}

/** One logical line of the message pane (wrapped when drawn). */
export type Line = Span[];

/** Everything the screen shows. */
export interface ScreenState {
  /** Terminal size in cells. */
  width: number;
  /** Terminal height in rows. */
  height: number;
  /** Message pane lines, oldest first. */
  lines: readonly Line[];
  /** How many rows the pane is scrolled up from the newest. */
  scroll: number;
  /** The status line. */
  status: Line;
  /** Shown before the input. */
  prompt: string;
  /** The input, as graphemes, and the cursor's index in them. */
  input: readonly string[];
  /** The cursor's index in `input`. */
  cursor: number;
  /** Whether to use colour (off with NO_COLOR). */
  color: boolean;
  /** The trace pane's lines, newest last, when it is shown: a third of the screen under the messages. */
  trace?: readonly Line[];
}

/** What to write: one string per row, and where to leave the cursor (0-based). */
export interface Frame {
  /** One string per row, top to bottom, with SGR styling. */
  rows: string[];
  /** Where to put the cursor, 0-based. */
  cursor: { row: number; col: number };
  /** How far `scroll` may go from here: rows laid out above the visible ones (up to a page more). */
  maxScroll: number;
}

/** Columns of the `[12:03:04] ` prefix: continuation rows are indented to line up. */
export const INDENT = 11;

/**
 * The escape sequence that starts a style.
 *
 * @param style The style.
 * @param color Whether colour is allowed.
 * @returns An SGR sequence, or `""` for the default style.
 */
export function sgr(style: Style | undefined, color: boolean): string {
  if (style === undefined) return "";
  const codes: number[] = [];
  if (style.bold) codes.push(1);
  if (style.dim) codes.push(2);
  if (style.underline) codes.push(4);
  if (style.inverse) codes.push(7);
  if (color && style.color !== undefined) codes.push(style.color);
  return codes.length === 0 ? "" : `\x1b[${codes.join(";")}m`;
}

/**
 * Wraps a line to a width as a reader expects: at a space where there is one
 * (the space stays at the row's end, unseen), before or after a wide (CJK)
 * character, which may break anywhere, and inside a word only when the word
 * is longer than a row. Never inside a grapheme; rows after the first are
 * indented.
 *
 * @param line The line.
 * @param width Cells per row.
 * @param indent Cells of indentation on continuation rows.
 * @returns One or more rows.
 *
 * @example Usage
 * ```ts
 * import { wrapLine } from "./render.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const text = (line: string, width: number) =>
 *   wrapLine([{ text: line }], width, 0).map((row) => row.map((s) => s.text).join(""));
 * deepEqual(text("wider than this", 8), ["wider ", "than ", "this"]);
 * deepEqual(text("你好世界", 5), ["你好", "世界"]);
 * ```
 */
export function wrapLine(line: Line, width: number, indent: number): Line[] {
  const margin = Math.min(indent, Math.max(0, width - 10));
  const cells: Cell[] = line.flatMap((span) =>
    graphemes(span.text).map((text) => ({ text, cells: graphemeWidth(text), style: span.style }))
  );
  const rows: Cell[][] = [[]];
  let used = 0;
  let breakAt = -1; // where the current row may be cut: graphemes from here move down
  const newRow = (carry: Cell[]) => {
    rows.push(margin > 0 ? [{ text: " ".repeat(margin), cells: margin }, ...carry] : carry);
    used = margin + carry.reduce((sum, cell) => sum + cell.cells, 0);
    breakAt = -1;
  };
  cells.forEach((cell, i) => {
    if (cell.text === "\n") return newRow([]); // a message's own line break: a new row, indented
    if (used + cell.cells > width && used > margin) {
      if (cell.text === " ") return newRow([]); // the break itself: the space is not carried
      // Carry the word begun at the last break to the next row, if all of it fits there;
      // a wide character may break right here; a longer word is cut where the row ends.
      const row = rows.at(-1)!;
      const carry = breakAt > 0 && cell.cells < 2 &&
        margin + wordCells(row.slice(breakAt)) + wordCells(cells, i) <= width;
      newRow(carry ? row.splice(breakAt) : []);
    }
    const row = rows.at(-1)!;
    row.push(cell);
    used += cell.cells;
    if (cell.text === " " || cell.cells === 2) breakAt = row.length;
  });
  return rows.map(toSpans);
}

/** Cells the word starting at `from` takes, up to the next space, wide character or line break. */
function wordCells(cells: readonly Cell[], from = 0): number {
  let sum = 0;
  for (let i = from; i < cells.length; i++) {
    const { text, cells: width } = cells[i];
    if (text === " " || text === "\n" || width === 2) break;
    sum += width;
  }
  return sum;
}

/** A grapheme on its way into a row, with its width and style. */
interface Cell {
  text: string;
  cells: number;
  style?: Style;
}

/** Joins a row's graphemes into spans, one per run of the same style. */
function toSpans(row: Cell[]): Line {
  const spans: Line = [];
  for (const { text, style } of row) {
    const last = spans.at(-1);
    if (last && last.style === style) last.text += text;
    else spans.push(style === undefined ? { text } : { text, style });
  }
  return spans;
}

function draw(row: Line, color: boolean): string {
  return row.map((span) => {
    const open = sgr(span.style, color);
    return open ? `${open}${span.text}\x1b[0m` : span.text;
  }).join("");
}

/** The trace pane: a rule naming it, then the newest lines that fit, each cut to one row. */
function traceRows(
  lines: readonly Line[],
  height: number,
  width: number,
  color: boolean,
): string[] {
  if (height === 0) return [];
  const shown = lines.slice(Math.max(0, lines.length - (height - 1)));
  return [
    draw(cut([{ text: "── trace (F2 hides it) " + "─".repeat(width) }], width), color),
    ...Array.from({ length: height - 1 - shown.length }, () => ""),
    ...shown.map((line) => draw(cut(line, width), color)),
  ];
}

/** The start of a line that fits in `width` cells, styles kept. */
function cut(line: Line, width: number): Line {
  let used = 0;
  const kept: Line = [];
  for (const span of line) {
    let text = "";
    for (const grapheme of graphemes(span.text)) {
      used += graphemeWidth(grapheme);
      if (used > width) break;
      text += grapheme;
    }
    if (text) kept.push({ ...span, text });
    if (used > width) break;
  }
  return kept;
}

/** Lays out the input: rows of text, and the cursor's row and column. */
function layoutInput(state: ScreenState): { rows: string[]; row: number; col: number } {
  const rows = [state.prompt];
  let used = displayWidth(state.prompt); // cells, not characters: a CJK nickname is twice as wide
  let cursor = { row: 0, col: used };
  state.input.forEach((pasted, i) => {
    const grapheme = pasted === "\n" ? "↵" : pasted; // a pasted line break, shown as one cell
    const cells = graphemeWidth(grapheme);
    if (used + cells > state.width) {
      rows.push("");
      used = 0;
    }
    if (i === state.cursor) cursor = { row: rows.length - 1, col: used };
    rows[rows.length - 1] += grapheme;
    used += cells;
  });
  if (state.cursor >= state.input.length) {
    if (used >= state.width) {
      rows.push("");
      used = 0;
    }
    cursor = { row: rows.length - 1, col: used };
  }
  return { rows, ...cursor };
}

/**
 * Lays out the whole screen.
 *
 * @param state What to show.
 * @returns The rows to write, top to bottom, and the cursor position.
 *
 * @example Usage
 * ```ts
 * import { renderScreen } from "./render.ts";
 * import { equal } from "node:assert/strict";
 *
 * const frame = renderScreen({
 *   width: 20, height: 4, lines: [[{ text: "hello" }]], scroll: 0,
 *   status: [{ text: "status" }], prompt: "> ", input: ["h", "i"], cursor: 2, color: false,
 * });
 * equal(frame.rows.length, 4);
 * equal(frame.rows[1], "hello");
 * equal(frame.rows[3], "> hi");
 * equal(frame.cursor.col, 4);
 * ```
 */
export function renderScreen(state: ScreenState): Frame {
  const width = Math.max(1, state.width);
  const input = layoutInput({ ...state, width });
  // The input grows upwards as it wraps, but always leaves the status line and a pane row.
  const inputRows = Math.min(input.rows.length, Math.max(1, state.height - 2));
  const firstInput = Math.min(
    Math.max(0, input.row - inputRows + 1),
    input.rows.length - inputRows,
  );
  const free = Math.max(0, state.height - 1 - inputRows);
  const traceHeight = state.trace === undefined ? 0 : Math.floor(free / 3);
  const paneHeight = free - traceHeight;

  // Wrap from the newest line back, only as far as the screen needs.
  const wanted = paneHeight + state.scroll;
  const paneRows: Line[] = [];
  for (let i = state.lines.length - 1; i >= 0 && paneRows.length < wanted + paneHeight; i--) {
    paneRows.unshift(...wrapLine(state.lines[i], width, INDENT));
  }
  const maxScroll = Math.max(0, paneRows.length - paneHeight);
  const scroll = Math.min(state.scroll, maxScroll);
  const end = paneRows.length - scroll;
  const visible = paneRows.slice(Math.max(0, end - paneHeight), end);
  const rows = [
    ...Array.from({ length: paneHeight - visible.length }, () => ""),
    ...visible.map((row) => draw(row, state.color)),
    ...traceRows(state.trace ?? [], traceHeight, width, state.color),
    draw(wrapLine(state.status, width, 0)[0], state.color),
    ...input.rows.slice(firstInput, firstInput + inputRows),
  ];
  return {
    rows,
    cursor: { row: paneHeight + 1 + input.row - firstInput, col: input.col },
    maxScroll,
  };
}
