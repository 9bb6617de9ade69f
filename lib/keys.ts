/**
 * Turning bytes typed in a raw-mode terminal into keys.
 *
 * @module
 */

import type { EditKey } from "./editor.ts";

/** A key press: an editing key, or one the interface handles itself. */
export type Key =
  | EditKey
  | {
    type:
      | "enter"
      | "interrupt"
      | "eof"
      | "page-up"
      | "page-down"
      | "redraw"
      | "paste-start"
      | "paste-end"
      | "toggle-trace";
  };

const SEQUENCES: Record<string, Key["type"]> = {
  "[A": "up",
  "[B": "down",
  "[C": "right",
  "[D": "left",
  "OA": "up",
  "OB": "down",
  "OC": "right",
  "OD": "left",
  "[H": "home",
  "[F": "end",
  "OH": "home",
  "OF": "end",
  "[1~": "home",
  "[7~": "home",
  "[4~": "end",
  "[8~": "end",
  "[3~": "delete",
  "[5~": "page-up",
  "[6~": "page-down",
  // Bracketed paste: what comes between is pasted, not typed (Enter inside it is a newline).
  "[200~": "paste-start",
  "[201~": "paste-end",
  // F2, as xterm (and tmux) and as rxvt send it.
  "OQ": "toggle-trace",
  "[12~": "toggle-trace",
};

const CONTROLS: Record<string, Key["type"]> = {
  "\r": "enter",
  "\n": "enter",
  "\x7f": "backspace",
  "\b": "backspace",
  "\x01": "home",
  "\x05": "end",
  "\x02": "left",
  "\x06": "right",
  "\x15": "kill-start",
  "\x0b": "kill-end",
  "\x17": "kill-word",
  "\x10": "up",
  "\x0e": "down",
  "\x03": "interrupt",
  "\x04": "eof",
  "\x0c": "redraw",
};

/**
 * Parses what a raw-mode terminal sent.
 *
 * @param input Decoded text from stdin.
 * @returns The keys, in order; unknown escape sequences are ignored.
 *
 * @example Usage
 * ```ts
 * import { parseKeys } from "./keys.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * deepEqual(parseKeys("hi\x1b[D\r"), [{ type: "text", text: "hi" }, { type: "left" }, { type: "enter" }]);
 * ```
 */
export function parseKeys(input: string): Key[] {
  const keys: Key[] = [];
  let text = "";
  const flush = () => {
    if (text) keys.push({ type: "text", text });
    text = "";
  };
  for (let i = 0; i < input.length; i++) {
    const char = input[i];
    if (char === "\x1b") {
      flush();
      // CSI or SS3: ESC [ params final, or ESC O letter.
      // deno-lint-ignore no-control-regex
      const match = /^\x1b(\[[0-9;]*[~A-Za-z]|O[A-Za-z])/.exec(input.slice(i));
      if (match) {
        const type = SEQUENCES[match[1].replace(/^\[1;\d+([A-Z])$/, "[$1")];
        if (type) keys.push({ type } as Key);
        i += match[0].length - 1;
      } else if (i + 1 < input.length) {
        i++; // Alt+key: ignored
      }
      continue;
    }
    const control = CONTROLS[char];
    if (control) {
      flush();
      keys.push({ type: control } as Key);
    } else if (char >= " ") {
      text += char;
    }
  }
  flush();
  return keys;
}
