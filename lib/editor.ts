/**
 * The input line: shell-style editing and a history of sent lines, without
 * any I/O. Positions are in graphemes, so a Chinese character or an emoji
 * is deleted and stepped over whole.
 *
 * @module
 */

import { graphemes } from "./width.ts";

/** An editing action, as produced by the key parser. */
export type EditKey =
  | { type: "text"; text: string }
  | {
    type:
      | "left"
      | "right"
      | "home"
      | "end"
      | "backspace"
      | "delete"
      | "kill-start"
      | "kill-end"
      | "kill-word"
      | "up"
      | "down";
  };

/**
 * The line being typed.
 *
 * @example Usage
 * ```ts
 * import { LineEditor } from "./editor.ts";
 * import { equal } from "node:assert/strict";
 *
 * const editor = new LineEditor();
 * editor.apply({ type: "text", text: "你好x" });
 * editor.apply({ type: "backspace" });
 * editor.apply({ type: "left" });
 * editor.apply({ type: "text", text: "!" });
 * equal(editor.text, "你!好");
 * equal(editor.submit(), "你!好");
 * equal(editor.text, "");
 * ```
 */
export class LineEditor {
  #chars: string[] = [];
  #cursor = 0;
  #history: string[] = [];
  /** Position while browsing history; `history.length` means the line being written. */
  #browse = 0;
  #draft: string[] = [];
  readonly #maxHistory: number;

  /**
   * Creates an empty input line.
   *
   * @param maxHistory Sent lines remembered for Up/Down.
   */
  constructor(maxHistory = 500) {
    this.#maxHistory = maxHistory;
  }

  /** The current text. */
  get text(): string {
    return this.#chars.join("");
  }

  /** The cursor position, in graphemes from the start. */
  get cursor(): number {
    return this.#cursor;
  }

  /** The graphemes of the current text. */
  get chars(): readonly string[] {
    return this.#chars;
  }

  /**
   * Applies an editing key.
   *
   * @param key The key.
   */
  apply(key: EditKey): void {
    const chars = this.#chars;
    switch (key.type) {
      case "text": {
        // Insert, then re-segment: a combining mark joins the character before it.
        const before = chars.slice(0, this.#cursor).join("") + key.text;
        const after = chars.slice(this.#cursor).join("");
        this.#chars = graphemes(before + after);
        this.#cursor = graphemes(before).length;
        break;
      }
      case "left":
        this.#cursor = Math.max(0, this.#cursor - 1);
        break;
      case "right":
        this.#cursor = Math.min(chars.length, this.#cursor + 1);
        break;
      case "home":
        this.#cursor = 0;
        break;
      case "end":
        this.#cursor = chars.length;
        break;
      case "backspace":
        if (this.#cursor > 0) chars.splice(--this.#cursor, 1);
        break;
      case "delete":
        chars.splice(this.#cursor, 1);
        break;
      case "kill-start":
        chars.splice(0, this.#cursor);
        this.#cursor = 0;
        break;
      case "kill-end":
        chars.splice(this.#cursor);
        break;
      case "kill-word": {
        let start = this.#cursor;
        while (start > 0 && /\s/.test(chars[start - 1])) start--;
        while (start > 0 && !/\s/.test(chars[start - 1])) start--;
        chars.splice(start, this.#cursor - start);
        this.#cursor = start;
        break;
      }
      case "up":
      case "down":
        this.#walkHistory(key.type === "up" ? -1 : 1);
    }
  }

  /**
   * Takes the line for sending: remembers it in the history and clears the input.
   *
   * @returns The line.
   */
  submit(): string {
    const line = this.text;
    if (line.trim() !== "" && this.#history.at(-1) !== line) {
      this.#history.push(line);
      if (this.#history.length > this.#maxHistory) this.#history.shift();
    }
    this.#chars = [];
    this.#cursor = 0;
    this.#browse = this.#history.length;
    return line;
  }

  #walkHistory(step: number): void {
    const target = this.#browse + step;
    if (target < 0 || target > this.#history.length) return;
    if (this.#browse === this.#history.length) this.#draft = this.#chars;
    this.#browse = target;
    this.#chars = target === this.#history.length ? this.#draft : graphemes(this.#history[target]);
    this.#cursor = this.#chars.length;
  }
}
