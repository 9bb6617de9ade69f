/**
 * Text from the network made safe to show: nobody can clear, recolour or
 * reorder another member's screen.
 *
 * @module
 */

// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
// deno-lint-ignore no-control-regex
const UNSAFE_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes text safe to write to a terminal: control characters (C0, DEL, C1)
 * become visible symbols such as `␛`, and bidirectional overrides become
 * `<U+202E>`-style tags.
 *
 * @param text Text received from the network.
 * @param keepNewlines Keep line breaks (a message's own lines); every other control is shown.
 * @returns Text that only prints.
 *
 * @example Usage
 * ```ts
 * import { sanitize } from "./sanitize.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(sanitize("\x1b[2Jhi"), "␛[2Jhi");
 * ```
 */
export function sanitize(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? UNSAFE_BUT_NEWLINE : UNSAFE, (char) => {
    const code = char.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "␡";
    return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
  });
}
