/**
 * The room transcript file (`server.ts --log FILE`): one room event per line
 * as JSON, appended as events happen, read back on start so history and
 * sequence numbers continue. A header line
 * `{"udpchat":"transcript","epoch":…}` names the room's epoch, which a
 * restored room keeps.
 *
 * Writes are synchronous on purpose: the server writes an event before it
 * sends anything for it, so a message is on disk before its sender is told
 * it was delivered.
 *
 * @module
 */

import { FrameError, type RoomEvent } from "./frame.ts";
import { decodeRoomEvent } from "./decode.ts";

/**
 * Reads a transcript's text.
 *
 * @param text The file's contents.
 * @returns The events, oldest first; the epoch from the header, if any; and
 *   how many lines were not valid events (e.g. cut short by a crash), which
 *   are skipped.
 *
 * @example Usage
 * ```ts
 * import { parseTranscript } from "./transcript.ts";
 * import { equal } from "node:assert/strict";
 *
 * const { events, skipped } = parseTranscript('{"type":"join","seq":1,"nick":"a","time":0}\n{"type":"ms');
 * equal(events.length, 1);
 * equal(skipped, 1);
 * ```
 */
export function parseTranscript(
  text: string,
): { events: RoomEvent[]; skipped: number; epoch?: string } {
  const events: RoomEvent[] = [];
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
      events.push(decodeRoomEvent(line));
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      skipped++;
    }
  }
  return { events, skipped, ...(epoch === undefined ? {} : { epoch }) };
}

/**
 * A transcript file open for appending.
 */
export class TranscriptFile {
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Opens (creating if needed) a transcript and reads what it holds.
   *
   * @param path The file.
   * @param epoch The epoch to record if the file does not name one yet.
   * @returns The open file, its events and the room's epoch.
   * @throws {Deno.errors.PermissionDenied} And other file-system errors, for the caller to explain.
   */
  static open(
    path: string,
    epoch: string,
  ): { file: TranscriptFile; events: RoomEvent[]; skipped: number; epoch: string } {
    let text = "";
    try {
      text = Deno.readTextFileSync(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const file = Deno.openSync(path, { append: true, create: true });
    // A crash may have cut the last line: start ours on a fresh one.
    if (text !== "" && !text.endsWith("\n")) file.writeSync(new TextEncoder().encode("\n"));
    const transcript = new TranscriptFile(file);
    const parsed = parseTranscript(text);
    if (parsed.epoch === undefined) {
      transcript.#write(JSON.stringify({ udpchat: "transcript", epoch, created: Date.now() }));
    }
    return { file: transcript, ...parsed, epoch: parsed.epoch ?? epoch };
  }

  /**
   * Appends an event and returns once the bytes are handed to the OS.
   *
   * @param event The room event.
   */
  append(event: RoomEvent): void {
    const { history: _history, ...stored } = event as RoomEvent & { history?: boolean };
    this.#write(JSON.stringify(stored));
  }

  #write(line: string): void {
    const bytes = this.#encoder.encode(line + "\n");
    for (let written = 0; written < bytes.length;) {
      written += this.#file.writeSync(bytes.subarray(written));
    }
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}
