/**
 * The udpchat v1 wire format: every datagram is one UTF-8 JSON object whose
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
export const VERSION = 1;

/** No datagram is ever larger than this, so no LAN or VPN path fragments it. */
export const MAX_DATAGRAM = 1200;

/** The largest text a chat message, action or private message may carry, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 16_384;

/** `Omit` applied to each member of a union, so the union stays discriminated. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A frame a client sends to the server. */
export type ClientFrame = FramesOf<typeof CLIENT_FRAMES>;

/** A client frame that travels on the client's reliable stream, numbered `n`. */
export type ClientRequest = Exclude<ClientFrame, { type: "join" | "ack" | "ping" }>;

/** An acknowledgement: everything up to `n` arrived, and so did each number in `sack`. */
export type AckFrame = FrameOf<typeof CLIENT_FRAMES, "ack">;

/**
 * An event the server delivers on a member's reliable stream. Room events
 * (`msg`, `action`, `join`, `leave`, `rename`) carry the room-wide sequence
 * number `seq`; every member sees them in `seq` order.
 */
export type ServerEvent = FramesOf<typeof STREAM_EVENTS>;

/** A frame the server sends to a client: outside the stream, or an event numbered `n` on it. */
export type ServerFrame = FramesOf<typeof SERVER_FRAMES> | (ServerEvent & { n: number });

/** A stream event that is part of the room transcript. */
export type RoomEvent = Extract<ServerEvent, { seq: number }>;

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
 * const bytes = encodeFrame({ type: "ping", t: 5 });
 * equal(new TextDecoder().decode(bytes), '{"udpchat":1,"type":"ping","t":5}');
 * ```
 */
export function encodeFrame(frame: ClientFrame | ServerFrame | DiscoveryFrame): Uint8Array {
  return encoder.encode(JSON.stringify({ udpchat: VERSION, ...frame }));
}

/**
 * A stream event encoded once and reused for every recipient: only the small
 * header with each recipient's stream number differs. This keeps the relay's
 * hot path to one serialisation per message, however many members there are.
 */
export class EncodedEvent {
  /** The event itself. */
  readonly event: ServerEvent;
  /** `"type":…}`: the JSON object without its opening brace. */
  readonly #body: Uint8Array;

  /**
   * Encodes an event once.
   *
   * @param event The event to encode.
   */
  constructor(event: ServerEvent) {
    this.event = event;
    this.#body = encoder.encode(JSON.stringify(event).slice(1));
  }

  /**
   * The datagram carrying this event as number `n` of a member's stream.
   *
   * @param n The stream number.
   * @returns `{"udpchat":1,"n":N,` followed by the shared body.
   */
  datagram(n: number): Uint8Array {
    const header = `{"udpchat":${VERSION},"n":${n},`;
    const out = new Uint8Array(header.length + this.#body.length);
    for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
    out.set(this.#body, header.length);
    return out;
  }
}

/**
 * Size of a string in UTF-8 bytes.
 *
 * @param text The text to measure.
 * @returns Its length once encoded.
 */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}
