/**
 * The full-screen terminal client: raw keyboard input, the alternate screen,
 * resizing and always giving the terminal back. Layout, editing and styling
 * are pure modules (`render.ts`, `editor.ts`, `chat_view.ts`); this adapter
 * only reads keys and writes frames.
 *
 * @module
 */

import { ChatView } from "../chat_view.ts";
import { LineEditor } from "../editor.ts";
import { parseKeys } from "../keys.ts";
import { INDENT, type Line, renderScreen, wrapLine } from "../render.ts";
import type { SessionEvent } from "../session.ts";
import { sanitize } from "../sanitize.ts";
import { traceParts, type TraceRecord } from "../trace.ts";
import { fitStatus, type StatusPart } from "../status_line.ts";
import { displayWidth } from "../width.ts";
import type { ChatControl, ChatUi } from "./ui.ts";

// The alternate screen, and bracketed paste: a pasted block arrives marked, so it goes as one message.
const ENTER = "\x1b[?1049h\x1b[?2004h\x1b[H\x1b[2J";
const LEAVE = "\x1b[?2004l\x1b[?25h\x1b[?1049l";

/** Settings of a {@linkcode Tui}. */
export interface TuiOptions {
  /** The server's address, for the status line. */
  server: string;
  /** Use colour (off with NO_COLOR). */
  color: boolean;
  /** Show the trace pane from the start (`--trace`); F2 shows or hides it. */
  trace?: boolean;
}

/** The full-screen user interface. */
export class Tui implements ChatUi {
  readonly #control: ChatControl;
  readonly #options: TuiOptions;
  readonly #view = new ChatView();
  readonly #editor = new LineEditor();
  readonly #encoder = new TextEncoder();
  #size = { columns: 80, rows: 24 };
  #scroll = 0;
  /** Lines that arrived while scrolled back: shown as "— N new below —". */
  #newBelow = 0;
  #maxScroll = 0;
  #leaving = false;
  #active = false;
  #pasting = false;
  #drawTimer: ReturnType<typeof setTimeout> | undefined;
  /** The newest `--trace` lines, and whether their pane is shown (F2). */
  #trace: Line[] = [];
  #traceShown = false;
  #onResize = () => this.#resize();
  #onHangup = () => this.#leave();

  /**
   * Creates the interface; {@linkcode Tui.run} takes over the terminal.
   *
   * @param control The loop to hand lines to.
   * @param options Status line and colour settings.
   */
  constructor(control: ChatControl, options: TuiOptions) {
    this.#control = control;
    this.#options = options;
    this.#traceShown = options.trace ?? false;
  }

  show(events: readonly SessionEvent[], now: number): void {
    let bell = false;
    const before = this.#view.added;
    for (const event of events) {
      bell = this.#view.apply(event, this.#control.session.nick, now) || bell;
    }
    const added = this.#view.added - before;
    if (this.#scroll > 0 && added > 0) {
      // Scrolled back: keep the view still (new rows push the bottom down) and count them.
      const rows = this.#view.newest(added).reduce(
        (sum, line) => sum + wrapLine(line, this.#size.columns, INDENT).length,
        0,
      );
      this.#scroll += rows;
      this.#newBelow += added;
    }
    if (bell) this.#write("\x07");
    this.#scheduleDraw();
  }

  trace(record: TraceRecord): void {
    const { time, peer, rest } = traceParts(record);
    // Coloured by direction, as on a terminal; the rest dimmed, under the conversation.
    const color = record.direction === "in" ? 32 : 36;
    this.#trace.push([
      { text: `${time} `, style: { dim: true } },
      { text: peer, style: { color } },
      { text: ` ${rest}`, style: { dim: true } },
    ]);
    // Kept as many as a tall screen shows: older lines are gone, as on an oscilloscope.
    if (this.#trace.length > 200) this.#trace.splice(0, this.#trace.length - 100);
    if (this.#traceShown) this.#scheduleDraw();
  }

  async run(): Promise<void> {
    Deno.stdin.setRaw(true);
    this.#active = true;
    this.#write(ENTER);
    this.#resize();
    if (Deno.build.os !== "windows") {
      Deno.addSignalListener("SIGWINCH", this.#onResize);
      Deno.addSignalListener("SIGHUP", this.#onHangup);
    }
    const decoder = new TextDecoder();
    try {
      for await (const chunk of Deno.stdin.readable) {
        for (const key of parseKeys(decoder.decode(chunk, { stream: true }))) this.#key(key);
        this.#draw();
        if (this.#leaving) break;
      }
    } finally {
      if (!this.#leaving) this.#leave(); // stdin closed: the terminal went away
    }
  }

  restore(): void {
    if (!this.#active) return;
    this.#active = false;
    clearTimeout(this.#drawTimer);
    if (Deno.build.os !== "windows") {
      Deno.removeSignalListener("SIGWINCH", this.#onResize);
      Deno.removeSignalListener("SIGHUP", this.#onHangup);
    }
    this.#write(LEAVE);
    try {
      Deno.stdin.setRaw(false);
    } catch {
      // stdin already gone
    }
  }

  #key(key: ReturnType<typeof parseKeys>[number]): void {
    switch (key.type) {
      case "paste-start":
      case "paste-end":
        this.#pasting = key.type === "paste-start";
        return;
      case "enter": {
        if (this.#pasting) return this.#editor.apply({ type: "text", text: "\n" });
        const line = this.#editor.submit();
        if (this.#leaving) return;
        const result = this.#control.submit(line);
        const now = this.#control.now();
        for (const notice of result.notices) this.#view.notice(notice, now, result.error);
        this.#scroll = 0;
        this.#newBelow = 0;
        if (result.quit) this.#leaving = true;
        return;
      }
      case "interrupt":
        return this.#leave();
      case "eof":
        if (this.#editor.text === "") return this.#leave();
        return this.#editor.apply({ type: "delete" });
      case "page-up":
        this.#scroll = Math.min(this.#maxScroll, this.#scroll + this.#pageSize());
        return;
      case "page-down":
        this.#scroll = Math.max(0, this.#scroll - this.#pageSize());
        if (this.#scroll === 0) this.#newBelow = 0;
        return;
      case "redraw":
        this.#write("\x1b[2J");
        return;
      case "toggle-trace":
        this.#traceShown = !this.#traceShown;
        return;
      default:
        this.#editor.apply(key);
    }
  }

  #leave(): void {
    if (this.#leaving) return;
    this.#leaving = true;
    this.#control.leave();
    this.#draw();
  }

  #pageSize(): number {
    return Math.max(1, this.#size.rows - 3);
  }

  #resize(): void {
    try {
      this.#size = Deno.consoleSize();
    } catch {
      // not a terminal any more: keep the last size
    }
    this.#write("\x1b[2J");
    this.#draw();
  }

  #status(): string {
    const session = this.#control.session;
    const state = this.#leaving ? "leaving…" : {
      joining: "connecting…",
      connected: "connected",
      reconnecting: "reconnecting…",
      closed: "closed",
    }[session.state];
    const members = session.members.length;
    // In display order; on a narrow terminal the highest numbers go first.
    const parts: StatusPart[] = [
      { text: "udpchat", priority: 7 },
      { text: session.room || "…", priority: 1 },
      ...(session.topic ? [{ text: `“${sanitize(session.topic)}”`, priority: 4 }] : []),
      { text: this.#options.server, priority: 5 },
      { text: members === 1 ? "1 member" : `${members || "?"} members`, priority: 3 },
      { text: state, priority: 0 },
    ];
    if (session.waiting > 0) {
      parts.push({ text: `slow down: ${session.waiting} waiting`, priority: 2 });
    }
    if (this.#scroll > 0) {
      const below = this.#newBelow > 0 ? `— ${this.#newBelow} new below —` : "↑ scrolled";
      parts.push({ text: `${below} (PgDn)`, priority: 2 });
    }
    if (session.rtt !== undefined) {
      parts.push({ text: `rtt ${Math.round(session.rtt)} ms`, priority: 6 });
    }
    return fitStatus(parts, this.#size.columns);
  }

  #scheduleDraw(): void {
    // Network events can come thousands a second: draw at most every 16 ms for them.
    this.#drawTimer ??= setTimeout(() => this.#draw(), 16);
  }

  #draw(): void {
    clearTimeout(this.#drawTimer);
    this.#drawTimer = undefined;
    if (!this.#active) return;
    const { columns, rows } = this.#size;
    const status = this.#status();
    const frame = renderScreen({
      width: columns,
      height: rows,
      lines: this.#view.lines(),
      scroll: this.#scroll,
      status: [{
        text: status + " ".repeat(Math.max(0, columns - displayWidth(status))),
        style: { inverse: true },
      }],
      prompt: `${this.#control.session.nick}> `,
      input: this.#editor.chars,
      cursor: this.#editor.cursor,
      color: this.#options.color,
      trace: this.#traceShown ? this.#trace : undefined,
    });
    this.#maxScroll = frame.maxScroll;
    this.#scroll = Math.min(this.#scroll, frame.maxScroll);
    const { row, col } = frame.cursor;
    this.#write(
      `\x1b[?25l\x1b[H${frame.rows.join("\x1b[K\r\n")}\x1b[K\x1b[${row + 1};${col + 1}H\x1b[?25h`,
    );
  }

  #write(text: string): void {
    try {
      const bytes = this.#encoder.encode(text);
      for (let written = 0; written < bytes.length;) {
        written += Deno.stdout.writeSync(bytes.subarray(written));
      }
    } catch {
      // the terminal is gone: nothing to draw on
    }
  }
}
