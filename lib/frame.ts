/**
 * The udpchat v1 wire format: every datagram is one UTF-8 JSON object whose
 * `"udpchat"` member is the protocol version. This file holds the frame
 * types and their encoding; `decode.ts` is the one place where received
 * bytes become typed frames.
 *
 * docs/PROTOCOL.md is the contract this file implements.
 *
 * @module
 */

/** The protocol version this implementation speaks. */
export const VERSION = 1;

/** No datagram is ever larger than this, so no LAN or VPN path fragments it. */
export const MAX_DATAGRAM = 1200;

/** The largest text a chat message, action or private message may carry, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 16_384;

/** A UDP endpoint: what Deno calls a `NetAddr`, without the transport. */
export interface Address {
  /** IPv4 or IPv6 address. */
  hostname: string;
  /** UDP port. */
  port: number;
}

/** A datagram to send. */
export interface Transmit {
  /** Where to. */
  to: Address;
  /** The bytes. */
  data: Uint8Array;
}

/**
 * Whether a datagram's source is the endpoint we talk to. A host given by
 * name cannot be compared without resolving it, so then the port decides.
 *
 * @param from Where a datagram came from.
 * @param peer Where we send.
 * @returns Whether they match.
 */
export function isFrom(from: Address, peer: Address): boolean {
  if (from.port !== peer.port) return false;
  const literal = /^[\d.]+$|:/.test(peer.hostname);
  return !literal || from.hostname === peer.hostname ||
    from.hostname.replace(/^::ffff:/, "") === peer.hostname;
}

/** Why a member left the room. */
export type LeaveReason = "quit" | "timeout" | "closing" | "overload";

/** A frame a client sends to the server. `n` numbers the client's reliable stream. */
export type ClientFrame =
  | { type: "join"; nick: string; session: string; epoch?: string; last?: number }
  | { type: "msg"; n: number; id?: string; text: string; more?: boolean }
  | { type: "action"; n: number; id?: string; text: string; more?: boolean }
  | { type: "pm"; n: number; id?: string; to: string; text: string; more?: boolean }
  | { type: "rename"; n: number; nick: string }
  | { type: "who"; n: number }
  | { type: "leave"; n: number }
  | AckFrame
  | { type: "ping"; t: number };

/** A client frame that travels on the client's reliable stream, numbered `n`. */
export type ClientRequest = Exclude<ClientFrame, { type: "join" | "ack" | "ping" }>;

/** An acknowledgement: everything up to `n` arrived, and so did each number in `sack`. */
export interface AckFrame {
  /** Frame type. */
  type: "ack";
  /** Everything up to this stream number has arrived. */
  n: number;
  /** Numbers beyond `n` that have arrived too. */
  sack: number[];
}

/**
 * An event the server delivers on a member's reliable stream. Room events
 * (`msg`, `action`, `join`, `leave`, `rename`) carry the room-wide sequence
 * number `seq`; every member sees them in `seq` order.
 */
export type ServerEvent =
  | {
    type: "msg" | "action";
    seq: number;
    from: string;
    text: string;
    time: number;
    id?: string;
    more?: boolean;
    history?: boolean;
  }
  | { type: "join"; seq: number; nick: string; time: number; history?: boolean }
  | {
    type: "leave";
    seq: number;
    nick: string;
    reason: LeaveReason;
    time: number;
    history?: boolean;
  }
  | {
    type: "rename";
    seq: number;
    from: string;
    nick: string;
    time: number;
    history?: boolean;
  }
  | {
    type: "pm";
    from: string;
    to: string;
    text: string;
    time: number;
    id?: string;
    more?: boolean;
  }
  | { type: "members"; members: string[]; more?: boolean }
  | { type: "error"; code: string; message: string };

/** A frame the server sends to a client. */
export type ServerFrame =
  | {
    type: "welcome";
    nick: string;
    room: string;
    epoch: string;
    session: string;
    seq: number;
    members: number;
    heartbeat: number;
    timeout: number;
  }
  | { type: "refused"; code: string; reason: string }
  | (ServerEvent & { n: number })
  | AckFrame
  | { type: "pong"; t: number }
  | { type: "error"; code: string; message: string }
  | { type: "closing" };

/** A stream event that is part of the room transcript. */
export type RoomEvent = Extract<ServerEvent, { seq: number }>;

/** What a datagram arriving at the server turned out to be. */
export type ClientDatagram =
  | { kind: "frame"; frame: ClientFrame }
  | { kind: "legacy"; text: string };

/** Machine-readable error codes carried by `error` and `refused` frames. */
export type ErrorCode =
  | "bad-frame"
  | "unsupported-version"
  | "unknown-type"
  | "not-joined"
  | "bad-nick"
  | "nick-taken"
  | "no-such-nick"
  | "too-long"
  | "room-full";

/**
 * A datagram that cannot be accepted. `code` says which rule it broke; the
 * server answers v1 senders with it in an `error` frame.
 *
 * @example Usage
 * ```ts
 * import { decodeClientDatagram } from "./decode.ts";
 * import { FrameError } from "./frame.ts";
 * import { ok } from "node:assert/strict";
 *
 * try {
 *   decodeClientDatagram(new TextEncoder().encode('{"udpchat":9,"type":"msg"}'));
 * } catch (error) {
 *   ok(error instanceof FrameError && error.code === "unsupported-version");
 * }
 * ```
 */
export class FrameError extends Error {
  /** The rule the datagram broke, or `"garbage"` for bytes that are neither frame nor text. */
  readonly code: ErrorCode | "garbage" | "oversize";

  /**
   * Creates the error.
   *
   * @param code The rule the datagram broke.
   * @param message A sentence a person can act on.
   */
  constructor(code: ErrorCode | "garbage" | "oversize", message: string) {
    super(message);
    this.name = "FrameError";
    this.code = code;
  }
}

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
export function encodeFrame(frame: ClientFrame | ServerFrame): Uint8Array {
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

/**
 * A stable key for an address, usable in a `Map`.
 *
 * @param address The address.
 * @returns `host:port`, with IPv6 hosts in brackets.
 *
 * @example Usage
 * ```ts
 * import { addressKey } from "./frame.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(addressKey({ hostname: "::1", port: 9999 }), "[::1]:9999");
 * ```
 */
export function addressKey(address: Address): string {
  return address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
}
