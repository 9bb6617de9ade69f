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
 * @param text The file's contents.
 * @returns The events, oldest first, with their scopes; the epoch from the header, if any; and
 *   how many lines were not valid events (e.g. cut short by a crash), which
 *   are skipped.
 *
 * @example Usage
 * ```ts
 * import { parseTranscript } from "./transcript.ts";
 * import { equal } from "node:assert/strict";
 *
 * const { entries, skipped } = parseTranscript('{"type":"join","seq":1,"nick":"a","time":0}\n{"type":"ms');
 * equal(entries.length, 1);
 * equal(skipped, 1);
 * ```
 */
export function parseTranscript(
  text: string,
): { entries: TranscriptEntry[]; skipped: number; epoch?: string } {
  const entries: TranscriptEntry[] = [];
  let skipped = 0;
  let epoch: string | undefined;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const header = /^\{"udpchat":"transcript","epoch":("(?:[^"\\]|\\.)*")/.exec(line);
    if (header) {
      epoch = JSON.parse(header[1]);
      continue;
    }
    try {
      const event = decodeRoomEvent(line);
      const scope = (JSON.parse(line) as { scope?: unknown }).scope;
      entries.push(typeof scope === "string" ? { event, scope } : { event });
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      skipped++;
    }
  }
  return { entries, skipped, ...(epoch === undefined ? {} : { epoch }) };
}

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
