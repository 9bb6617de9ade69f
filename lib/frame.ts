/**
 * The udpchat v2 wire format: every datagram is one UTF-8 JSON object whose
 * `"udpchat"` member is the protocol version. This file holds the frame
 * types (derived from the tables in `schema.ts`) and their encoding;
 * `decode.ts` is the one place where received bytes become typed frames.
 *
 * docs/PROTOCOL.md is the contract this file implements.
 *
 * @module
 */

import type {
  CLIENT_FRAMES,
  DISCOVERY_FRAMES,
  FrameOf,
  FramesOf,
  SERVER_FRAMES,
  STREAM_EVENTS,
} from "./schema.ts";

/** The protocol version this implementation speaks. */
export const VERSION = 2;

/** No datagram is ever larger than this, so no LAN or VPN path fragments it. */
export const MAX_DATAGRAM = 1200;

/** The largest text a chat message, action or private message may carry, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 16_384;

/** `Omit` applied to each member of a union, so the union stays discriminated. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A frame a client sends to the server. */
export type ClientFrame = FramesOf<typeof CLIENT_FRAMES>;

/** A client frame that travels on the client's reliable stream, numbered `n`. */
export type ClientRequest = Exclude<
  ClientFrame,
  { type: "join" | "ack" | "ping" | "sealed" | "bundle" }
>;

/** Several consecutive stream frames in one datagram (see `Envelope.frames` (envelope.ts)). */
export type BundleFrame = FrameOf<typeof CLIENT_FRAMES, "bundle">;

/** An acknowledgement: everything up to `n` arrived, and so did each number in `sack`. */
export type AckFrame = FrameOf<typeof CLIENT_FRAMES, "ack">;

/**
 * An event the server delivers on a member's reliable stream. Room events
 * (`msg`, `action`, `join`, `leave`, `rename`, `teacher`, and the groups `joins` and `leaves`) carry the room-wide sequence
 * number `seq`; every member sees them in `seq` order.
 */
export type ServerEvent = FramesOf<typeof STREAM_EVENTS>;

/** A frame the server sends to a client: outside the stream, or an event numbered `n` on it. */
export type ServerFrame =
  | FramesOf<typeof SERVER_FRAMES>
  | (ServerEvent & { n: number; token: string });

/**
 * A stream event that is part of the room transcript. (`joins` and `leaves`
 * carry `seq` too, but only stand for a run of `join` or `leave` events on
 * the wire: see notices.ts.)
 */
export type RoomEvent = Exclude<
  Extract<ServerEvent, { seq: number }>,
  { type: "joins" | "leaves" }
>;

/** What the teacher did: a room event every member sees. */
export type TeacherEvent = Extract<RoomEvent, { type: "teacher" }>;

/** Why a member left the room. */
export type LeaveReason = Extract<ServerEvent, { type: "leave" }>["reason"];

/** A frame on the discovery port. */
export type DiscoveryFrame = FramesOf<typeof DISCOVERY_FRAMES>;

/** What a datagram arriving at the server turned out to be. */
export type ClientDatagram =
  | { kind: "frame"; frame: ClientFrame }
  | { kind: "legacy"; text: string };

const encoder = new TextEncoder();

/**
 * Encodes a frame padded with a `pad` field to at least `size` bytes: a
 * datagram big enough that the answer to it is never larger (probes, joins).
 *
 * @param frame A frame with an optional `pad` field.
 * @param size The size to reach.
 * @returns The datagram.
 *
 * @example Usage
 * ```ts
 * import { encodePadded } from "./frame.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(encodePadded({ type: "discover", nonce: "n1" }, 256).length, 256);
 * ```
 */
export function encodePadded(
  frame: Extract<ClientFrame | DiscoveryFrame, { type: "join" | "discover" }>,
  size: number,
): Uint8Array {
  const bare = encodeFrame({ ...frame, pad: "" }).length;
  return encodeFrame({ ...frame, pad: "x".repeat(Math.max(0, size - bare)) });
}

/**
 * Encodes a frame as one datagram.
 *
 * @param frame The frame to send.
 * @returns The datagram bytes.
 *
 * @example Usage
 * ```ts
 * import { encodeFrame } from "./frame.ts";
 * import { equal } from "node:assert/strict";
 *
 * const bytes = encodeFrame({ type: "ping", t: 5, token: "k" });
 * equal(new TextDecoder().decode(bytes), '{"udpchat":2,"type":"ping","t":5,"token":"k"}');
 * ```
 */
export function encodeFrame(frame: ClientFrame | ServerFrame | DiscoveryFrame): Uint8Array {
  return encoder.encode(JSON.stringify({ udpchat: VERSION, ...frame }));
}

/** A server frame whose text may be shortened to fit a size (replies to unvalidated addresses). */
export type ShortenableFrame = Extract<
  ServerFrame,
  { type: "retry" | "refused" | "error" | "welcome" }
>;

/**
 * Encodes a frame within a size, shortening one text field (ending it with
 * `…`) if needed: replies to an address that has not proved itself are never
 * larger than the datagram that caused them, measured as encoded.
 *
 * @param frame The frame.
 * @param field The text field that may be shortened.
 * @param limit The most bytes the datagram may take.
 * @returns The datagram, or `undefined` if it cannot fit.
 *
 * @example Usage
 * ```ts
 * import { encodeShortened } from "./frame.ts";
 * import { equal } from "node:assert/strict";
 *
 * const frame = { type: "error", code: "bad-frame", message: "x".repeat(500) } as const;
 * equal(encodeShortened(frame, "message", 120)!.length <= 120, true);
 * equal(encodeShortened(frame, "message", 20), undefined);
 * ```
 */
export function encodeShortened(
  frame: ShortenableFrame,
  field: string,
  limit: number,
): Uint8Array | undefined {
  let data = encodeFrame(frame);
  const text = (frame as Record<string, unknown>)[field];
  if (data.length <= limit || typeof text !== "string") {
    return data.length <= limit ? data : undefined;
  }
  const chars = [...text];
  // Cut about as many characters as bytes are over, then one at a time.
  for (let keep = Math.max(0, chars.length - (data.length - limit)); keep >= 0; keep--) {
    data = encodeFrame(
      { ...frame, [field]: chars.slice(0, keep).join("") + "…" } as ShortenableFrame,
    );
    if (data.length <= limit) return data;
  }
  return undefined;
}

/**
 * A stream event encoded once and reused for every recipient: only the small
 * header with each recipient's stream number differs. This keeps the relay's
 * hot path to one serialisation per message, however many members there are.
 */
export class EncodedEvent {
  /**
   * The room's sequence number of the event, if it has one. Only this is
   * kept of the event: a member list given to each of a thousand joiners,
   * kept as an object beside its bytes until acknowledged, was 3 MB at the
   * height of a join storm.
   */
  readonly seq: number | undefined;
  /** `"type":…}`: the JSON object without its opening brace. */
  readonly #body: Uint8Array;

  /**
   * Encodes an event once.
   *
   * @param event The event to encode.
   */
  constructor(event: ServerEvent) {
    this.seq = "seq" in event ? event.seq : undefined;
    this.#body = encoder.encode(JSON.stringify(event).slice(1));
  }

  /**
   * Bytes this event takes as number `n` of a member's stream.
   *
   * @param n The stream number.
   * @returns The size of `{"n":N,` and the shared body.
   */
  entrySize(n: number): number {
    // `{"n":` and `,` around the number's digits, counted rather than formatted: it is asked of
    // every frame relayed to every member.
    return 6 + digitCount(n) + this.#body.length;
  }

  /**
   * Writes this event as number `n` of a member's stream, straight into the
   * datagram being laid out (no buffer of its own: it is written once per member).
   *
   * @param n The stream number.
   * @param out The datagram.
   * @param at Where the entry starts; {@linkcode EncodedEvent.entrySize} bytes must fit.
   */
  writeEntry(n: number, out: Uint8Array, at: number): void {
    out.set(ENTRY_START, at);
    // The digits written straight in, last first: formatting a string per frame was garbage.
    const digits = digitCount(n);
    let rest = n;
    for (let i = at + ENTRY_START.length + digits - 1; i >= at + ENTRY_START.length; i--) {
      out[i] = 0x30 + rest % 10;
      rest = Math.floor(rest / 10);
    }
    out[at + ENTRY_START.length + digits] = 0x2c; // ,
    out.set(this.#body, at + ENTRY_START.length + digits + 1);
  }
}

/** `{"n":`, how every stream entry starts. */
const ENTRY_START = encoder.encode('{"n":');

/** Decimal digits of a whole number `n` ≥ 0. */
function digitCount(n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/**
 * How items are laid out as the stream frames of one datagram (see
 * `Envelope.frames` in envelope.ts): each a JSON object starting `{"n":`,
 * without `udpchat` and `token`.
 */
export interface EntryLayout<T> {
  /** Bytes payload `item` takes as stream frame `n`. */
  size(n: number, item: T): number;
  /** Writes payload `item` as stream frame `n` at `at`; `size(n, item)` bytes fit. */
  write(n: number, item: T, out: Uint8Array, at: number): void;
}

/** A relayed event as stream frame `n`, laid out from its shared encoding. */
export const EVENT_ENTRY: EntryLayout<EncodedEvent> = {
  size: (n, event) => event.entrySize(n),
  write: (n, event, out, at) => event.writeEntry(n, out, at),
};

/**
 * Size of a string in UTF-8 bytes.
 *
 * @param text The text to measure.
 * @returns Its length once encoded.
 */
export function utf8Length(text: string): number {
  // Counted, not encoded: a joiner's member list measures every name, at every join of a storm.
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 4 bytes for its 2 code units
      i++;
    } else bytes += 2; // 3 bytes (a lone surrogate is encoded as U+FFFD, also 3)
  }
  return bytes;
}

/**
 * Whether a request is the last (or only) part of its payload: the room's
 * rate counts each payload once, however many parts a long message takes.
 *
 * @param request A request frame, or its body.
 * @returns `false` only for a part with `"more": true`.
 *
 * @example Usage
 * ```ts
 * import { completesRequest } from "./frame.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(completesRequest({ type: "msg", text: "part one", more: true }), false);
 * equal(completesRequest({ type: "msg", text: "the end" }), true);
 * ```
 */
export function completesRequest(request: object): boolean {
  return !("more" in request && request.more === true);
}
