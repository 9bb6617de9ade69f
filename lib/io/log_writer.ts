/**
 * The server's console log, kept off the path of a datagram: lines are
 * stamped with the time (formatted once a second, not once a line) and
 * written together, at most every 50 ms, in one write.
 *
 * @module
 */

import { timestamp } from "../format.ts";

/** How long a line may wait to be written with others, in ms. */
const BATCH_DELAY = 50;

/**
 * Writes timestamped lines in batches.
 *
 * @example Usage
 * ```ts
 * import { LogWriter } from "./log_writer.ts";
 * import { match } from "node:assert/strict";
 *
 * let written = "";
 * const log = new LogWriter((text) => written += text);
 * log.line("#1 --> alice joined", 0);
 * log.flush();
 * match(written, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d #1 --> alice joined\n$/);
 * ```
 */
export class LogWriter {
  readonly #write: (text: string) => void;
  #lines: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #second = NaN;
  #stamp = "";

  /**
   * Creates a log.
   *
   * @param write Where the text goes; standard output by default.
   */
  constructor(write: (text: string) => void = writeStdout) {
    this.#write = write;
  }

  /**
   * Adds a line, written within 50 ms.
   *
   * @param text The line, without its timestamp.
   * @param now The current time in ms.
   */
  line(text: string, now: number = Date.now()): void {
    const second = Math.floor(now / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#stamp = timestamp(now);
    }
    this.#lines.push(`${this.#stamp} ${text}`);
    this.#timer ??= setTimeout(() => this.flush(), BATCH_DELAY);
  }

  /**
   * Adds a line that carries its own time (a `--trace` line), written within 50 ms.
   *
   * @param text The whole line.
   */
  unstamped(text: string): void {
    this.#lines.push(text);
    this.#timer ??= setTimeout(() => this.flush(), BATCH_DELAY);
  }

  /** Writes what waits now, e.g. before the process exits. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#lines.length === 0) return;
    const text = this.#lines.join("\n") + "\n";
    this.#lines = [];
    this.#write(text);
  }
}

const encoder = new TextEncoder();

function writeStdout(text: string): void {
  const bytes = encoder.encode(text);
  for (let written = 0; written < bytes.length;) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}
