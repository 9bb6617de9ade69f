/**
 * One server event on its way to many members, encoded at most once per
 * protocol: the stream parts when a v2 member receives it, the plain-text
 * line when a legacy member does. Nothing is built for a protocol no
 * recipient speaks. A {@linkcode Channel} is how it reaches one member.
 *
 * @module
 */

import type { Timer } from "./deadlines.ts";
import { eventText, legacyLine } from "./event_text.ts";
import { EncodedEvent, MAX_DATAGRAM, type ServerEvent } from "./frame.ts";
import type { ErrorCode } from "./frame_error.ts";
import { splitPayload, splitText } from "./parts.ts";

const encoder = new TextEncoder();

/**
 * An event and its encodings, made on first use and shared by every recipient.
 *
 * @example Usage
 * ```ts
 * import { Broadcast } from "./broadcast.ts";
 * import { equal } from "node:assert/strict";
 *
 * const hello = new Broadcast({ type: "msg", seq: 1, from: "bob", text: "hi", time: 0 });
 * equal(new TextDecoder().decode(hello.lines[0]), "bob: hi\n");
 * equal(hello.parts.length, 1);
 * ```
 */
export class Broadcast {
  /** The event. */
  readonly event: ServerEvent;
  #parts: EncodedEvent[] | undefined;
  #lines: Uint8Array[] | undefined;

  /**
   * Wraps an event; nothing is encoded yet.
   *
   * @param event The event to send.
   */
  constructor(event: ServerEvent) {
    this.event = event;
  }

  /** The stream parts, each encoded once for every member's stream. */
  get parts(): EncodedEvent[] {
    return this.#parts ??= splitPayload(this.event).map((part) => new EncodedEvent(part));
  }

  /** The plain-text line for legacy members, in datagram-sized pieces (empty if it has no text). */
  get lines(): Uint8Array[] {
    if (this.#lines === undefined) {
      const text = eventText(this.event);
      this.#lines = text === undefined || text.quiet
        ? []
        : splitText(legacyLine(text), MAX_DATAGRAM).map((chunk) => encoder.encode(chunk));
    }
    return this.#lines;
  }
}

/** How events reach one member: its v2 streams or plain-text datagrams. */
export interface Channel {
  /** Silence after which the member is removed, in ms. */
  readonly timeout: number;
  /** Its timers (retransmission, acknowledgement), for the room's deadline. */
  readonly timers: readonly Timer[];
  /**
   * Sends an event to this member.
   *
   * @returns `false` when the member is so far behind that it must be removed.
   */
  relay(broadcast: Broadcast, now: number): boolean;
  /** Answers a request of this member's that failed; a no-op where there is no way to say it. */
  reply(code: ErrorCode, message: string, now: number, id?: string): void;
  /**
   * Sends what this turn (one datagram received, or one tick) queued for the
   * member, packed into as few datagrams as fit.
   */
  endTurn(): void;
  /** Tells the member the server is closing. */
  closing(): void;
  /**
   * Tells the member the teacher removed it, and why.
   *
   * @returns What was sent, to repeat should the member not have heard it.
   */
  removed(action: "kick" | "ban", text?: string, minutes?: number): Uint8Array;
}
