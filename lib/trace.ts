/**
 * `--trace`: one line per datagram sent or received, for watching the
 * protocol work — what kind of frame, its stream number and room sequence,
 * and what the stream made of it (a retransmission, a duplicate dropped, a
 * frame held back for a gap). Pure: the socket adapter (`io/udp.ts`) prints
 * the lines; the streams leave their notes in a {@linkcode TraceNotes}.
 *
 * @module
 */

import { type Address, addressKey } from "./address.ts";
import { sanitize } from "./sanitize.ts";

/**
 * What the streams say about the datagrams they handle, for the trace: the
 * state machines write notes here while `--trace` is on (and build none
 * while it is off); the socket adapter takes them when it prints the line.
 *
 * @example Usage
 * ```ts
 * import { TraceNotes } from "./trace.ts";
 * import { equal } from "node:assert/strict";
 *
 * const notes = new TraceNotes();
 * const datagram = new Uint8Array([1, 2, 3]);
 * notes.outgoing(datagram, "retransmit n=13 (2nd, rto 210 ms)");
 * equal(notes.takeOutgoing(datagram), "retransmit n=13 (2nd, rto 210 ms)");
 * notes.incoming("dup n=12 dropped");
 * equal(notes.takeIncoming(), "dup n=12 dropped");
 * equal(notes.takeIncoming(), undefined);
 * ```
 */
export class TraceNotes {
  #incoming: string | undefined;
  // Every datagram a stream sends is a fresh buffer, so its note can be keyed by it.
  readonly #outgoing = new WeakMap<Uint8Array, string>();

  /**
   * Notes what the datagram being received turned out to be; the notes on
   * the frames of one bundle are kept together.
   *
   * @param note E.g. `dup n=12 dropped`.
   */
  incoming(note: string): void {
    this.#incoming = this.#incoming === undefined ? note : `${this.#incoming} · ${note}`;
  }

  /**
   * Takes the note about the datagram just received, if any.
   *
   * @returns The note, once.
   */
  takeIncoming(): string | undefined {
    const note = this.#incoming;
    this.#incoming = undefined;
    return note;
  }

  /**
   * Notes why a datagram is sent.
   *
   * @param data The datagram, as it will be handed to the socket.
   * @param note E.g. `retransmit n=13 (2nd, rto 210 ms)`.
   */
  outgoing(data: Uint8Array, note: string): void {
    this.#outgoing.set(data, note);
  }

  /**
   * Takes the note about a datagram being sent, if any.
   *
   * @param data The datagram.
   * @returns The note, once.
   */
  takeOutgoing(data: Uint8Array): string | undefined {
    const note = this.#outgoing.get(data);
    if (note !== undefined) this.#outgoing.delete(data);
    return note;
  }
}

/** One line of the trace. */
export interface TraceRecord {
  /** When, in ms since the epoch. */
  at: number;
  /** Sent or received. */
  direction: "in" | "out";
  /** The other end. */
  peer: Address;
  /** The datagram's size on the wire. */
  bytes: number;
  /** What it is: see {@linkcode summarize}. */
  summary: string;
}

/** Longest piece of a message's text quoted in a summary, in characters. */
const QUOTE = 24;

/** Fields worth a glance, in the order shown; the rest are left out. */
const SHOWN = ["n", "seq", "nick", "from", "to", "id", "t", "next", "code"] as const;

/**
 * Says at a glance what a datagram is, from its bytes alone: the frame type
 * and its numbers, a quote of any text; a plain-text line as such.
 *
 * @param data A datagram, in either direction.
 * @returns E.g. `msg n=12 seq=40 from=ann "hello"`, `ack n=12 sack=[14]`, or
 *   `bundle of 5: msg n=13 … · msg n=14 … · join n=15 … · …`.
 *
 * @example Usage
 * ```ts
 * import { summarize } from "./trace.ts";
 * import { equal } from "node:assert/strict";
 *
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * equal(summarize(bytes('{"udpchat":2,"type":"ack","token":"x","n":12,"sack":[14]}')), "ack n=12 sack=[14]");
 * equal(summarize(bytes("hello\n")), 'plain text "hello"');
 * ```
 */
export function summarize(data: Uint8Array): string {
  const text = new TextDecoder().decode(data);
  let frame: unknown;
  try {
    frame = text.startsWith("{") ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: shown as text below
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
    return `plain text ${quote(text.replace(/\r?\n$/, ""))}`;
  }
  const fields = frame as Record<string, unknown>;
  if (fields.type === "bundle" && Array.isArray(fields.frames)) {
    const entries = fields.frames.filter((entry) => typeof entry === "object" && entry !== null);
    const shown = entries.slice(0, BUNDLE_SHOWN).map(summarizeFrame);
    if (entries.length > BUNDLE_SHOWN) shown.push("…");
    return `bundle of ${entries.length}: ${shown.join(" · ")}`;
  }
  return summarizeFrame(fields);
}

/** A bundle's first few frames are summarised; the rest are counted. */
const BUNDLE_SHOWN = 3;

function summarizeFrame(fields: Record<string, unknown>): string {
  const type = typeof fields.type === "string" ? sanitize(fields.type).slice(0, 16) : "?";
  const parts = [type === "sealed" ? "sealed (encrypted)" : type];
  for (const key of SHOWN) {
    const value = fields[key];
    if (typeof value === "number" || typeof value === "string") {
      parts.push(`${key}=${sanitize(String(value)).slice(0, QUOTE)}`);
    }
  }
  if (Array.isArray(fields.sack) && fields.sack.length > 0) {
    parts.push(`sack=[${fields.sack.slice(0, 8).join(",")}${fields.sack.length > 8 ? ",…" : ""}]`);
  }
  if (fields.more === true) parts.push("more");
  if (typeof fields.text === "string") parts.push(quote(fields.text));
  return parts.join(" ");
}

/**
 * Formats one trace line: time, direction, peer, size, summary.
 *
 * @param record The datagram.
 * @param color Colour the direction (green in, cyan out) for a terminal.
 * @returns The line, e.g. `10:15:02.317 → 127.0.0.1:9999           97 B  msg n=3 "hi"`.
 *
 * @example Usage
 * ```ts
 * import { traceLine } from "./trace.ts";
 * import { equal } from "node:assert/strict";
 *
 * const at = new Date(2026, 0, 1, 10, 15, 2, 317).getTime();
 * const line = traceLine(
 *   { at, direction: "out", peer: { hostname: "127.0.0.1", port: 9999 }, bytes: 97, summary: "ack n=3" },
 *   false,
 * );
 * equal(line, "10:15:02.317 → 127.0.0.1:9999           97 B  ack n=3");
 * ```
 */
export function traceLine(record: TraceRecord, color: boolean): string {
  const { time, peer, rest } = traceParts(record);
  const painted = color ? `\x1b[${record.direction === "in" ? 32 : 36}m${peer}\x1b[m` : peer;
  return `${time} ${painted} ${rest}`;
}

/**
 * A trace line in its three parts, for a screen that styles them itself.
 *
 * @param record The datagram.
 * @returns The time, the direction with the peer, and the size with the summary.
 */
export function traceParts(record: TraceRecord): { time: string; peer: string; rest: string } {
  const at = new Date(record.at);
  const time = [at.getHours(), at.getMinutes(), at.getSeconds()]
    .map((part) => String(part).padStart(2, "0")).join(":") +
    "." + String(at.getMilliseconds()).padStart(3, "0");
  const arrow = record.direction === "in" ? "←" : "→";
  return {
    time,
    peer: `${arrow} ${addressKey(record.peer).padEnd(21)}`,
    rest: `${String(record.bytes).padStart(5)} B  ${record.summary}`,
  };
}

/** Quotes text for a summary: one line, control characters shown, cut at {@linkcode QUOTE}. */
function quote(text: string): string {
  const chars = [...sanitize(text.replaceAll("\n", "⏎"))];
  return JSON.stringify(
    chars.length > QUOTE ? chars.slice(0, QUOTE).join("") + "…" : chars.join(""),
  );
}
