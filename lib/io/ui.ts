/**
 * What a client user interface is, for `client.ts`: it renders the events it
 * is given and hands what the user types to a {@linkcode ChatControl};
 * nothing more. The {@linkcode ClientLoop} owns the session, the socket and
 * the clock.
 *
 * @module
 */

import type { CommandResult } from "../commands.ts";
import type { SessionEvent, SessionState } from "../session.ts";
import type { TraceRecord } from "../trace.ts";

/** What a user interface may read of the session. */
export interface SessionView {
  /** My nickname as the server knows it. */
  readonly nick: string;
  /** The room's name, once connected. */
  readonly room: string;
  /** The connection state. */
  readonly state: SessionState;
  /** Round-trip time to the server in ms, once measured. */
  readonly rtt: number | undefined;
  /** The room's members, in alphabetical order. */
  readonly members: readonly string[];
  /** Requests held back by the room's rate, waiting to be sent. */
  readonly waiting: number;
  /** The room's topic ("" for none). */
  readonly topic: string;
}

/** What a user interface may do. */
export interface ChatControl {
  /** The session, to read. */
  readonly session: SessionView;
  /** The current time in ms, by the loop's clock. */
  now(): number;
  /** Runs a line the user typed (a message or a `/command`) and sends what it queued. */
  submit(line: string): CommandResult;
  /** Leaves the room (once everything sent is acknowledged). */
  leave(): void;
}

/** A client user interface: line mode, JSON lines or the full-screen terminal. */
export interface ChatUi {
  /** Renders events from the session; `now` is the loop's clock. */
  show(events: readonly SessionEvent[], now: number): void;
  /** Shows one datagram, for `--trace`. */
  trace(record: TraceRecord): void;
  /** Reads the user's input until it ends or the user quits; leaves the room then. */
  run(): Promise<void>;
  /** Gives the terminal back as it was (idempotent). */
  restore(): void;
}
