/**
 * Line mode: one line (or one JSON object, with `--json`) per event on
 * stdout, one input line per message from stdin. Used when stdin or stdout is
 * not a terminal, or with `--plain` / `--json`.
 *
 * @module
 */

import { clock, describeEvent, jsonLine } from "../format.ts";
import { MARKERS } from "../event_text.ts";
import type { SessionEvent } from "../session.ts";
import { traceLine, type TraceRecord } from "../trace.ts";
import { stdinLines } from "./stdin.ts";
import type { ChatControl, ChatUi } from "./ui.ts";

/** Line-mode user interface. */
export class LineUi implements ChatUi {
  readonly #control: ChatControl;
  readonly #json: boolean;
  readonly #traceColor = !Deno.noColor && Deno.stderr.isTerminal();

  /**
   * Creates the line-mode interface.
   *
   * @param control The loop to hand lines to.
   * @param json Print JSON objects instead of text.
   */
  constructor(control: ChatControl, json: boolean) {
    this.#control = control;
    this.#json = json;
  }

  show(events: readonly SessionEvent[], now: number): void {
    for (const event of events) {
      const text = this.#json ? jsonLine(event) : describeEvent(event, this.#control.session.nick);
      // A room event is stamped with when it happened, not when it arrived (history, catch-up).
      if (text !== undefined) this.#print(text, "time" in event ? event.time : now);
    }
  }

  async run(): Promise<void> {
    for await (const line of stdinLines()) {
      const result = this.#control.submit(line);
      for (const notice of result.notices) {
        const type = result.error ? "error" : "notice";
        // One convention with the room's own lines: "!!! " for errors, "--- " for notices.
        const text = this.#json
          ? JSON.stringify({ type, message: notice })
          : MARKERS[result.error ? "error" : "info"] + notice;
        this.#print(text, this.#control.now());
      }
      if (result.quit) return;
    }
    this.#control.leave(); // end of input
  }

  trace(record: TraceRecord): void {
    // Standard error: the chat on standard output stays clean for scripts.
    console.error(traceLine(record, this.#traceColor));
  }

  restore(): void {}

  #print(text: string, now: number): void {
    console.log(this.#json ? text : `[${clock(now)}] ${text}`);
  }
}
