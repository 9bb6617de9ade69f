/**
 * Payloads too large for one datagram travel as consecutive parts on a
 * stream: every part but the last has `"more": true`, and the receiver joins
 * the `text` (or `members`) of the parts. Streams deliver in order, so the
 * parts of one payload are always adjacent.
 *
 * @module
 */

import { MAX_TEXT_BYTES, utf8Length } from "./frame.ts";

/** Text in one part takes at most this many bytes of JSON, leaving room for the other fields and for sealing (which grows a frame by a third). */
export const TEXT_CHUNK_BYTES = 480;

/**
 * The bytes a member's name takes in a list in one part: its JSON string in
 * UTF-8, and a comma.
 *
 * @param nick A nickname.
 * @returns Its cost against {@linkcode TEXT_CHUNK_BYTES}.
 *
 * @example Usage
 * ```ts
 * import { memberCost } from "./parts.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(memberCost("ann"), 6);
 * equal(memberCost("小明"), 9);
 * ```
 */
export function memberCost(nick: string): number {
  return utf8Length(JSON.stringify(nick)) + 1;
}

/** A payload that may be split: it carries text or a member list. */
export interface Splittable {
  /** Text, joined across parts. */
  text?: string;
  /** Member names, joined across parts. */
  members?: string[];
  /** Set on every part but the last. */
  more?: boolean;
}

/**
 * Splits text into chunks that each take at most `budget` bytes once
 * JSON-escaped, never cutting a character (a surrogate pair stays whole).
 *
 * @param text The text to split.
 * @param budget The most JSON bytes a chunk may take.
 * @returns One or more chunks whose concatenation is `text`.
 *
 * @example Usage
 * ```ts
 * import { splitText } from "./parts.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * deepEqual(splitText("héllo", 4), ["hél", "lo"]);
 * ```
 */
export function splitText(text: string, budget: number = TEXT_CHUNK_BYTES): string[] {
  const chunks: string[] = [];
  let start = 0;
  let size = 0;
  for (let i = 0; i < text.length;) {
    const code = text.codePointAt(i)!;
    const cost = jsonCost(code);
    if (size + cost > budget && i > start) {
      chunks.push(text.slice(start, i));
      start = i;
      size = 0;
    }
    size += cost;
    i += code > 0xffff ? 2 : 1;
  }
  chunks.push(text.slice(start));
  return chunks;
}

/** Bytes a code point takes inside a JSON string written by `JSON.stringify`. */
function jsonCost(code: number): number {
  if (code === 0x22 || code === 0x5c) return 2;
  if (code < 0x20) return 6;
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 6; // a lone surrogate is escaped
  return code > 0xffff ? 4 : 3;
}

/**
 * Splits a list of names into runs that each take at most
 * {@linkcode TEXT_CHUNK_BYTES} (see {@linkcode memberCost}). A run ends only
 * when the next name does not fit, so every run but the last stays the same
 * when names are added at the end: what lets the roster's parts be shared.
 *
 * @param names The names.
 * @param from Where to start in `names`.
 * @returns The runs, in order; at least one (empty if there are no names).
 *
 * @example Usage
 * ```ts
 * import { splitNames } from "./parts.ts";
 * import { equal } from "node:assert/strict";
 *
 * const runs = splitNames(Array.from({ length: 100 }, (_, i) => `name${i}`));
 * equal(runs.length, 2);
 * equal(runs.flat().length, 100);
 * ```
 */
export function splitNames(names: readonly string[], from = 0): string[][] {
  const runs: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (let i = from; i < names.length; i++) {
    const cost = memberCost(names[i]);
    if (size + cost > TEXT_CHUNK_BYTES && current.length > 0) {
      runs.push(current);
      current = [];
      size = 0;
    }
    current.push(names[i]);
    size += cost;
  }
  runs.push(current);
  return runs;
}

/**
 * Splits a payload into parts that each fit in one datagram.
 *
 * @param payload A payload with `text` or `members`.
 * @returns The parts, in order; a payload that fits is returned as is.
 *
 * @example Usage
 * ```ts
 * import { splitPayload } from "./parts.ts";
 * import { equal } from "node:assert/strict";
 *
 * const parts = splitPayload<{ text: string; more?: boolean }>({ text: "x".repeat(1000) });
 * equal(parts.length, 3);
 * equal(parts[0].more, true);
 * equal(parts[2].more, undefined);
 * ```
 */
export function splitPayload<T extends object>(payload: T): T[] {
  const { text, members } = payload as Splittable;
  let chunks: Splittable[];
  if (text !== undefined) {
    chunks = splitText(text).map((text) => ({ text }));
  } else if (members !== undefined) {
    chunks = splitNames(members).map((members) => ({ members }));
  } else {
    return [payload];
  }
  if (chunks.length === 1) return [payload];
  return chunks.map((chunk, i) => {
    const part: T & Splittable = { ...payload, ...chunk };
    if (i < chunks.length - 1) part.more = true;
    else delete part.more;
    return part;
  });
}

/**
 * Joins parts back into whole payloads, refusing anything larger than
 * {@linkcode MAX_TEXT_BYTES} of text.
 *
 * @example Usage
 * ```ts
 * import { Assembler } from "./parts.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const assembler = new Assembler<{ text: string; more?: boolean }>();
 * equal(assembler.add({ text: "hel", more: true }), undefined);
 * deepEqual(assembler.add({ text: "lo" }), { text: "hello" });
 * ```
 */
export class Assembler<T extends object> {
  #parts: T[] = [];
  #size = 0;
  #overflow = false;

  /**
   * Adds the next part.
   *
   * @param part The part as delivered by the stream.
   * @returns The whole payload once its last part arrived, else `undefined`.
   * @throws {RangeError} When the last part of a payload over the limit
   *   arrives; its parts are discarded.
   */
  add(next: T): T | undefined {
    const part = next as T & Splittable;
    if (!this.#overflow) {
      this.#size += part.text?.length ?? part.members?.length ?? 0;
      this.#overflow = this.#size > MAX_TEXT_BYTES;
    }
    if (part.more) {
      if (!this.#overflow) this.#parts.push(part);
      return undefined;
    }
    const parts: Splittable[] = [...this.#parts, part];
    const overflow = this.#overflow;
    this.#parts = [];
    this.#size = 0;
    this.#overflow = false;
    if (parts.length === 1) return part;
    const whole: T & Splittable = { ...part };
    if (part.text !== undefined) whole.text = parts.map((p) => p.text ?? "").join("");
    if (part.members !== undefined) whole.members = parts.flatMap((p) => p.members ?? []);
    if (overflow || (whole.text !== undefined && utf8Length(whole.text) > MAX_TEXT_BYTES)) {
      throw new RangeError(
        `Cannot accept message as it is longer than ${MAX_TEXT_BYTES} bytes`,
      );
    }
    return whole;
  }
}
