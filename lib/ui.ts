/**
 * What a client user interface is, for `client.ts`: it shows session events
 * and feeds what the user types to the session.
 *
 * @module
 */

import type { SessionEvent } from "./session.ts";

/** The part of the UDP endpoint a user interface needs. */
export interface Pump {
  /** The current time in ms. */
  now(): number;
  /** Sends what the session queued after a user action. */
  pump(): void;
}

/** A client user interface: line mode, JSON lines or the full-screen terminal. */
export interface ChatUi {
  /** Shows events from the session. */
  show(events: SessionEvent[]): void;
  /** Reads the user's input until it ends or the user quits; leaves the room then. */
  run(endpoint: Pump): Promise<void>;
  /** Gives the terminal back as it was (idempotent). */
  restore(): void;
}
