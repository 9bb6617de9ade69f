/**
 * The room transcript's format (`server.ts --log FILE`): one room event per
 * line as JSON, after a header line `{"udpchat":"transcript","epoch":…}`
 * naming the room's epoch, which a restored room keeps. Reading and writing
 * the file is `io/transcript_file.ts`.
 *
 * @module
 */

import { decodeRoomEvent } from "./decode.ts";
import type { RoomEvent } from "./frame.ts";
import { FrameError } from "./frame_error.ts";

/** A room event as the transcript keeps it. */
export interface TranscriptEntry {
  /** The event, as members received it. */
  event: RoomEvent;
  /** For messages: the sender's address, the scope of the message id (never sent to members). */
  scope?: string;
}

/**
 * Reads a transcript's text.
 *
 * The file is trusted no more than a datagram: a line is skipped, and said
 * why in `problems`, unless it is a valid event whose `seq` follows the one
 * before — greater, and at most one more than the lines since (a crash cuts
 * at most the lines it was writing) — and, for the first, at most
 * {@linkcode MAX_RESTORED_SEQ}. So an edited `"seq":1e3` cannot jump the
 * numbering, nor 2^53−1 make every later number unusable.
 *
 * @param text The file's contents.
 * @returns The events, oldest first, with their scopes; the epoch from the header, if any; how
 *   many lines were skipped; and why, for the first {@linkcode MAX_PROBLEMS} of them.
 *
 * @example Usage
 * ```ts
 * import { parseTranscript } from "./transcript.ts";
 * import { equal } from "node:assert/strict";
 *
 * const { entries, skipped, problems } = parseTranscript('{"type":"join","seq":1,"nick":"a","time":0}\n{"type":"ms');
 * equal(entries.length, 1);
 * equal(skipped, 1);
 * equal(problems[0], "line 2: not a room event");
 * ```
 */
export function parseTranscript(
  text: string,
): { entries: TranscriptEntry[]; skipped: number; problems: string[]; epoch?: string } {
  const entries: TranscriptEntry[] = [];
  const problems: string[] = [];
  let skipped = 0;
  let epoch: string | undefined;
  let last: number | undefined;
  let gap = 1; // how far the next seq may be from `last`: 1, plus one per line skipped since
  const skip = (number: number, reason: string) => {
    skipped++;
    gap++;
    if (problems.length < MAX_PROBLEMS) problems.push(`line ${number}: ${reason}`);
  };
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const header = /^\{"udpchat":"transcript","epoch":("(?:[^"\\]|\\.)*")/.exec(line);
    if (header) {
      epoch = JSON.parse(header[1]);
      continue;
    }
    let event: RoomEvent;
    try {
      event = decodeRoomEvent(line);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      skip(index + 1, "not a room event");
      continue;
    }
    const limit = last === undefined ? MAX_RESTORED_SEQ : last + gap;
    if (event.seq <= (last ?? 0) || event.seq > limit) {
      const after = last === undefined ? "" : ` after #${last}`;
      skip(index + 1, `seq ${event.seq} out of order${after} (at most ${limit})`);
      continue;
    }
    const scope = (JSON.parse(line) as { scope?: unknown }).scope;
    entries.push(typeof scope === "string" ? { event, scope } : { event });
    last = event.seq;
    gap = 1;
  }
  return { entries, skipped, problems, ...(epoch === undefined ? {} : { epoch }) };
}

/** The largest `seq` a transcript may start at: far beyond any class, far below 2^53. */
export const MAX_RESTORED_SEQ = 2 ** 32;

/** How many skipped lines {@linkcode parseTranscript} explains. */
export const MAX_PROBLEMS = 5;

/**
 * The header line of a new transcript.
 *
 * @param epoch The room's epoch.
 * @param created When the file was made, in ms since 1970.
 * @returns The line, without its newline.
 */
export function transcriptHeader(epoch: string, created: number): string {
  return JSON.stringify({ udpchat: "transcript", epoch, created });
}

/**
 * The line recording a room event: the event as sent, without `history`,
 * and the scope of its message id.
 *
 * @param event The room event.
 * @param scope The sender's address, for messages.
 * @returns The line, without its newline.
 *
 * @example Usage
 * ```ts
 * import { transcriptLine } from "./transcript.ts";
 * import { equal } from "node:assert/strict";
 *
 * const line = transcriptLine({ type: "join", seq: 1, nick: "a", time: 0, history: true });
 * equal(line, '{"type":"join","seq":1,"nick":"a","time":0}');
 * ```
 */
export function transcriptLine(event: RoomEvent, scope?: string): string {
  const { history: _history, ...stored } = event;
  return JSON.stringify(scope === undefined ? stored : { ...stored, scope });
}
