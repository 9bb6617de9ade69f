/**
 * How many terminal cells text takes: wide East Asian characters and emoji
 * take two, combining marks none. The line editor and the screen layout both
 * measure with this, so the cursor lands where the text is.
 *
 * @module
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Splits text into grapheme clusters (what a person sees as one character).
 *
 * @param text The text.
 * @returns Its graphemes, in order.
 *
 * @example Usage
 * ```ts
 * import { graphemes } from "./width.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * deepEqual(graphemes("é👍🏽a"), ["é", "👍🏽", "a"]);
 * ```
 */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/**
 * Code points that take two cells (East Asian Wide and Fullwidth, and emoji
 * presentation). East Asian *Ambiguous* ones (①, §, Greek and Cyrillic
 * letters) count as one cell, deliberately: terminals draw them narrow unless
 * set to a CJK locale's "ambiguous is wide" option, and a cursor one cell off
 * for a rare character beats one off for every Greek word.
 */
function isWide(code: number): boolean {
  return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) || (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) || (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) || (code >= 0x1f680 && code <= 0x1f6ff) ||
    (code >= 0x20000 && code <= 0x3fffd);
}

const zeroWidth = /^[\p{Mn}\p{Me}\u200b-\u200f\ufe00-\ufe0f]$/u;
const emojiPresentation = /\p{Emoji_Presentation}/u;

/**
 * The number of cells one grapheme takes.
 *
 * @param grapheme One grapheme cluster.
 * @returns 0, 1 or 2.
 */
export function graphemeWidth(grapheme: string): number {
  const code = grapheme.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if (code < 0x300) return 1;
  if (zeroWidth.test(grapheme)) return 0;
  if (isWide(code) || emojiPresentation.test(grapheme) || grapheme.includes("\ufe0f")) return 2;
  return 1;
}

/**
 * The number of cells text takes.
 *
 * @param text Text without control characters.
 * @returns Its width in cells.
 *
 * @example Usage
 * ```ts
 * import { displayWidth } from "./width.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(displayWidth("ab"), 2);
 * equal(displayWidth("你好"), 4);
 * equal(displayWidth("👍🏽"), 2);
 * ```
 */
export function displayWidth(text: string): number {
  // Plain ASCII is the common case: no segmentation needed.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const grapheme of graphemes(text)) width += graphemeWidth(grapheme);
  return width;
}
