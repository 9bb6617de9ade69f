/**
 * Legacy members: the original tutorial's clients (and `nc -u`), which send
 * plain text and get plain text back, unreliably. A legacy member is its
 * address; it joins with its first line and leaves with `quit()`.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Broadcast, Channel } from "./broadcast.ts";
import type { TokenBucket } from "./rate_limit.ts";
import { removedText } from "./event_text.ts";
import { sanitize } from "./sanitize.ts";
import type { Timer } from "./deadlines.ts";

/** What a legacy member's line asks for. */
export type LegacyLine =
  | { type: "quit" }
  | { type: "keepalive" }
  | { type: "code"; code: string }
  | { type: "nick"; nick: string }
  | { type: "who" }
  | { type: "help" }
  | { type: "say"; text: string };

/**
 * What a line of plain text from a legacy member means.
 *
 * @param text The line, already decoded and without its line ending.
 * @returns `quit` for exactly `quit()`, `keepalive` for a blank line, `code`
 *   for `join NNNN` (a join code typed back), `nick`, `who` and `help` for
 *   `/nick NAME`, `/who` and `/help`, else a message.
 *
 * @example Usage
 * ```ts
 * import { parseLegacyLine } from "./legacy.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * deepEqual(parseLegacyLine("quit()"), { type: "quit" });
 * deepEqual(parseLegacyLine("/nick ann"), { type: "nick", nick: "ann" });
 * deepEqual(parseLegacyLine("hi"), { type: "say", text: "hi" });
 * ```
 */
export function parseLegacyLine(text: string): LegacyLine {
  if (text === "quit()") return { type: "quit" };
  if (text.trim() === "") return { type: "keepalive" };
  const code = /^\s*join\s+(\d{4})\s*$/i.exec(text);
  if (code) return { type: "code", code: code[1] };
  const command = /^\/(nick|who|help)(?:\s+(.*?))?\s*$/i.exec(text);
  if (command) {
    const [name, rest = ""] = [command[1].toLowerCase(), command[2]];
    if (name === "nick") return { type: "nick", nick: rest };
    return { type: name === "who" ? "who" : "help" };
  }
  return { type: "say", text };
}

const encoder = new TextEncoder();

/** The line a plain-text member gets on joining, and for `/help`: what it can do besides chat. */
export const LEGACY_HELP =
  "type to chat;  /nick NAME  picks your name,  /who  lists who is here,  quit()  leaves";

/**
 * The answer to a plain-text member's `/who`, short enough for one datagram.
 *
 * @param nicks Who is here.
 * @returns The line, without the leading `* `.
 *
 * @example Usage
 * ```ts
 * import { whoLine } from "./legacy.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(whoLine(["ann", "ben"]), "2 here: ann, ben");
 * ```
 */
export function whoLine(nicks: readonly string[]): string {
  let line = `${nicks.length} here: `;
  for (const [i, nick] of nicks.entries()) {
    const shown = (i > 0 ? ", " : "") + sanitize(nick);
    const more = `… and ${nicks.length - i} more`;
    if (encoder.encode(line + shown + more).length > 1000) return line + more;
    line += shown;
  }
  return line;
}

/** A legacy member over its rate is told so at most this often, in ms. */
export const SLOW_DOWN_EVERY = 5000;

/** How a {@linkcode LegacyPeer} is set up. */
export interface LegacyPeerOptions {
  /** Silence after which the member is removed, in ms. */
  timeout: number;
  /** Puts a datagram on the wire. */
  send: (to: Address, data: Uint8Array) => void;
  /** The lines it may send. */
  allowance: TokenBucket;
}

/**
 * The one line a new plain-text sender gets: how to enter (the join code to
 * type back), or why it cannot. Longer forms first; the longest that fits
 * the address's reply budget is chosen, so the answer never amplifies.
 *
 * @param room The room's name.
 * @param code The join code for this address, or `undefined` when a password keeps legacy clients out.
 * @param budget The most bytes the reply may take.
 * @returns The line, or `undefined` when even the shortest does not fit yet.
 *
 * @example Usage
 * ```ts
 * import { legacyPrompt } from "./legacy.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(legacyPrompt("Lab", "4821", 100), '* udpchat "Lab": type  join 4821  to enter\n');
 * equal(legacyPrompt("Lab", "4821", 12), "* join 4821\n");
 * equal(legacyPrompt("Lab", "4821", 5), undefined);
 * ```
 */
export function legacyPrompt(
  room: string,
  code: string | undefined,
  budget: number,
): string | undefined {
  const name = sanitize(room).slice(0, 40);
  const forms = code === undefined
    ? [
      `* udpchat "${name}" needs a password: join with the udpchat client\n`,
      "* password needed: use the udpchat client\n",
      "* password needed\n",
    ]
    : [
      `* udpchat "${name}": type  join ${code}  to enter\n`,
      `* type  join ${code}  to enter\n`,
      `* join ${code}\n`,
    ];
  return forms.find((line) => encoder.encode(line).length <= budget);
}

/**
 * How events reach a legacy member: one plain-text line each, best effort.
 * Its own messages are not echoed back, as in the tutorial.
 *
 * @example Usage
 * ```ts
 * import { Broadcast } from "./broadcast.ts";
 * import { LegacyPeer } from "./legacy.ts";
 * import { equal } from "node:assert/strict";
 *
 * import { TokenBucket } from "./rate_limit.ts";
 *
 * const sent: string[] = [];
 * const peer = new LegacyPeer({ hostname: "10.0.0.3", port: 4000 }, () => "10.0.0.3:4000", {
 *   timeout: 600_000,
 *   send: (_, data) => sent.push(new TextDecoder().decode(data)),
 *   allowance: new TokenBucket(5, 20, 0),
 * });
 * peer.relay(new Broadcast({ type: "msg", seq: 2, from: "ann", text: "hi", time: 0 }));
 * equal(sent[0], "ann: hi\n");
 * ```
 */
export class LegacyPeer implements Channel {
  readonly timeout: number;
  readonly timers: readonly Timer[] = [];
  /** The lines it may send: a burst, then the room's rate. */
  readonly allowance: TokenBucket;
  readonly #to: Address;
  readonly #nick: () => string;
  readonly #send: (to: Address, data: Uint8Array) => void;
  #warnedAt = -Infinity;

  /**
   * Creates the channel.
   *
   * @param to The member's address.
   * @param nick The member's nickname now, to skip echoing its own messages.
   * @param options Its silence timeout (ms), how to send, and its line allowance.
   */
  constructor(to: Address, nick: () => string, options: LegacyPeerOptions) {
    this.#to = to;
    this.#nick = nick;
    this.timeout = options.timeout;
    this.#send = options.send;
    this.allowance = options.allowance;
  }

  /**
   * Tells the member why its lines are dropped (too fast, muted), at most
   * once every {@linkcode SLOW_DOWN_EVERY} ms.
   *
   * @param why The sentence, without the leading `* `.
   * @param now The current time in ms.
   */
  warn(why: string, now: number): void {
    if (now < this.#warnedAt + SLOW_DOWN_EVERY) return;
    this.#warnedAt = now;
    this.tell(why);
  }

  /**
   * Tells the member something: one line, starting `* `.
   *
   * @param text The sentence.
   */
  tell(text: string): void {
    this.#tell(text);
  }

  removed(action: "kick" | "ban", text?: string, minutes?: number): Uint8Array {
    return this.#tell(removedText(action, text, minutes));
  }

  relay(broadcast: Broadcast): boolean {
    const event = broadcast.event;
    if (event.type === "msg" && event.from === this.#nick()) return true;
    for (const line of broadcast.lines) this.#send(this.#to, line);
    return true;
  }

  /** Sends `* text` and returns the datagram, for a caller that repeats it. */
  #tell(text: string): Uint8Array {
    const line = encoder.encode(`* ${text}\n`);
    this.#send(this.#to, line);
    return line;
  }

  reply(_code: string, message: string): void {
    this.tell(message); // a refused /nick: the reason, as a plain line
  }

  endTurn(): void {
    // Lines go out as they come: a plain-text member has no stream to pack.
  }

  closing(): void {
    this.tell("server closing");
  }
}
