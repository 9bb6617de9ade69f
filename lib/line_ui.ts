/**
 * Line mode: one line (or one JSON object, with `--json`) per event on
 * stdout, one input line per message from stdin. Used when stdin or stdout is
 * not a terminal, or with `--plain` / `--json`.
 *
 * @module
 */

import { runLine } from "./commands.ts";
import { clock, describeEvent, jsonLine } from "./format.ts";
import type { Session, SessionEvent } from "./session.ts";
import type { ChatUi, Pump } from "./ui.ts";

/** Yields stdin line by line, without line endings. */
async function* stdinLines(): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) yield line.replace(/\r$/, "");
  }
  if (rest !== "") yield rest;
}

/** Line-mode user interface. */
export class LineUi implements ChatUi {
  readonly #session: Session;
  readonly #json: boolean;

  /**
   * Creates the line-mode interface.
   *
   * @param session The session to show and drive.
   * @param json Print JSON objects instead of text.
   */
  constructor(session: Session, json: boolean) {
    this.#session = session;
    this.#json = json;
  }

  show(events: SessionEvent[]): void {
    for (const event of events) {
      const text = this.#json ? jsonLine(event) : describeEvent(event, this.#session.nick);
      if (text !== undefined) this.#print(text);
    }
  }

  async run(endpoint: Pump): Promise<void> {
    for await (const line of stdinLines()) {
      const result = runLine(this.#session, line, endpoint.now());
      for (const notice of result.notices) {
        const type = result.error ? "error" : "notice";
        this.#print(this.#json ? JSON.stringify({ type, message: notice }) : notice);
      }
      endpoint.pump();
      if (result.quit) return;
    }
    this.#session.leave(endpoint.now()); // end of input
    endpoint.pump();
  }

  restore(): void {}

  #print(text: string): void {
    console.log(this.#json ? text : `[${clock(Date.now())}] ${text}`);
  }
}
