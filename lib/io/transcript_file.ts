/**
 * The transcript file on disk: read on start, appended as events happen.
 *
 * Writes are synchronous on purpose: the room saves an event before it
 * sends anything for it, so a message is on disk before its sender is told
 * it was delivered. A write that fails (a full disk) is undone, so the file
 * never ends in a torn line, and the room is told (see `room_journal.ts`).
 *
 * @module
 */

import type { RoomEvent } from "../frame.ts";
import type { Journal } from "../room_journal.ts";
import {
  parseTranscript,
  type TranscriptEntry,
  transcriptHeader,
  transcriptLine,
} from "../transcript.ts";

/**
 * A transcript file open for appending.
 */
export class TranscriptFile implements Journal {
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();
  /** Bytes in the file up to the end of its last whole line. */
  #size: number;

  private constructor(file: Deno.FsFile) {
    this.#file = file;
    this.#size = file.statSync().size;
  }

  /**
   * Opens (creating if needed) a transcript and reads what it holds.
   *
   * @param path The file.
   * @param epoch The epoch to record if the file does not name one yet.
   * @returns The open file, its entries and the room's epoch.
   * @throws {Deno.errors.PermissionDenied} And other file-system errors, for the caller to explain.
   */
  static open(
    path: string,
    epoch: string,
  ): {
    file: TranscriptFile;
    entries: TranscriptEntry[];
    skipped: number;
    problems: string[];
    epoch: string;
  } {
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
      transcript.#write(transcriptHeader(epoch, Date.now()));
    }
    return { file: transcript, ...parsed, epoch: parsed.epoch ?? epoch };
  }

  /**
   * Appends an event and returns once the bytes are handed to the OS.
   *
   * @param event The room event.
   * @param scope The sender's address, for messages.
   * @throws {Error} When the line cannot be written whole; the file is left as it was.
   */
  append(event: RoomEvent, scope?: string): void {
    this.#write(transcriptLine(event, scope));
  }

  #write(line: string): void {
    const bytes = this.#encoder.encode(line + "\n");
    let written = 0;
    try {
      while (written < bytes.length) written += this.#file.writeSync(bytes.subarray(written));
    } catch (error) {
      // Part of a line may be on disk: cut it off, so the file still ends on a whole line.
      if (written > 0) {
        try {
          this.#file.truncateSync(this.#size);
        } catch {
          // Left for the next start, which skips a torn last line.
        }
      }
      throw error;
    }
    this.#size += bytes.length;
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}
