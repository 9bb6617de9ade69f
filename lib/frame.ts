/**
 * The udpchat v1 wire format: every datagram is one UTF-8 JSON object whose
 * `"udpchat"` member is the protocol version. Anything else that looks like
 * text is a message from a legacy (plain-text) member; anything else again is
 * garbage. This file is the only place where bytes become typed frames, so
 * everything after {@linkcode decodeClientDatagram} and
 * {@linkcode decodeServerFrame} can trust its types.
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
 * import { decodeClientDatagram, FrameError } from "./frame.ts";
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
const lenientDecoder = new TextDecoder("utf-8", { fatal: false });
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

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
 * Decodes a datagram received by the server: a v1 frame, or text from a
 * legacy member.
 *
 * @param data The datagram; it is not retained.
 * @returns The frame or the legacy text.
 * @throws {FrameError} If the datagram is oversize, garbage or a malformed frame.
 *
 * @example Usage
 * ```ts
 * import { decodeClientDatagram } from "./frame.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("hello\n");
 * deepEqual(decodeClientDatagram(bytes), { kind: "legacy", text: "hello" });
 * ```
 */
export function decodeClientDatagram(data: Uint8Array): ClientDatagram {
  if (data.length > MAX_DATAGRAM) {
    throw new FrameError(
      "oversize",
      `Datagram is ${data.length} bytes, the limit is ${MAX_DATAGRAM}`,
    );
  }
  const object = parseFrameObject(data);
  if (object === undefined) return { kind: "legacy", text: decodeLegacyText(data) };
  return { kind: "frame", frame: validateClientFrame(object) };
}

/**
 * Decodes a datagram received by a client.
 *
 * @param data The datagram; it is not retained.
 * @returns The frame.
 * @throws {FrameError} If the datagram is not a valid v1 server frame.
 */
export function decodeServerFrame(data: Uint8Array): ServerFrame {
  if (data.length > MAX_DATAGRAM) {
    throw new FrameError(
      "oversize",
      `Datagram is ${data.length} bytes, the limit is ${MAX_DATAGRAM}`,
    );
  }
  const object = parseFrameObject(data);
  if (object === undefined) throw new FrameError("garbage", "Datagram is not a udpchat frame");
  return validateServerFrame(object);
}

type Json = Record<string, unknown>;

/** Returns the frame's object, `undefined` when the datagram is not meant as a frame. */
function parseFrameObject(data: Uint8Array): Json | undefined {
  // A frame starts with "{" (after optional white space); anything else is text.
  let i = 0;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x09 || data[i] === 0x0a)) i++;
  if (data[i] !== 0x7b) return undefined;
  let text: string;
  try {
    text = strictDecoder.decode(data);
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Truncated frames still name the protocol near their start.
    if (text.includes('"udpchat"')) throw new FrameError("bad-frame", "Frame is not valid JSON");
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const object = value as Json;
  if (!("udpchat" in object)) return undefined;
  if (object.udpchat !== VERSION) {
    throw new FrameError(
      "unsupported-version",
      `Protocol version ${
        JSON.stringify(object.udpchat)
      } is not supported: this server speaks ${VERSION}`,
    );
  }
  return object;
}

/**
 * Turns a legacy datagram into text: trailing CR/LF trimmed, invalid UTF-8
 * replaced. Binary noise (many control bytes or invalid sequences) is refused
 * so that random datagrams never become chat lines.
 */
function decodeLegacyText(data: Uint8Array): string {
  const text = lenientDecoder.decode(data);
  let suspicious = 0;
  let total = 0;
  for (const char of text) {
    total++;
    const code = char.codePointAt(0)!;
    const control = (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d &&
      code !== 0x1b) || code === 0x7f;
    if (control || code === 0xfffd) suspicious++;
  }
  if (suspicious * 10 > total) {
    throw new FrameError("garbage", "Datagram is neither a udpchat frame nor text");
  }
  return text.replace(/[\r\n]+$/, "");
}

function field(object: Json, name: string, kind: "string" | "number" | "boolean"): unknown {
  const value = object[name];
  if (typeof value !== kind || (kind === "number" && !Number.isFinite(value))) {
    throw new FrameError("bad-frame", `Frame field '${name}' must be a ${kind}`);
  }
  return value;
}

function str(object: Json, name: string): string {
  return field(object, name, "string") as string;
}

function counter(object: Json, name: string): number {
  const value = field(object, name, "number") as number;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new FrameError("bad-frame", `Frame field '${name}' must be a whole number`);
  }
  return value;
}

function optional<T>(object: Json, name: string, read: (o: Json, n: string) => T): T | undefined {
  return object[name] === undefined ? undefined : read(object, name);
}

function bool(object: Json, name: string): boolean {
  return field(object, name, "boolean") as boolean;
}

function sackList(object: Json): number[] {
  const value = object.sack ?? [];
  if (!Array.isArray(value) || value.length > 256 || !value.every(Number.isSafeInteger)) {
    throw new FrameError("bad-frame", "Frame field 'sack' must be a list of whole numbers");
  }
  return value as number[];
}

/** Copies only the defined optional fields, so frames compare and re-encode cleanly. */
function withOptional<T extends object>(base: T, extra: Record<string, unknown>): T {
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) (base as Record<string, unknown>)[key] = value;
  }
  return base;
}

function validateClientFrame(o: Json): ClientFrame {
  const type = str(o, "type");
  switch (type) {
    case "join":
      return withOptional({ type, nick: str(o, "nick"), session: str(o, "session") }, {
        epoch: optional(o, "epoch", str),
        last: optional(o, "last", counter),
      });
    case "msg":
    case "action":
      return withOptional({ type, n: counter(o, "n"), text: str(o, "text") }, {
        id: optional(o, "id", str),
        more: optional(o, "more", bool),
      });
    case "pm":
      return withOptional({ type, n: counter(o, "n"), to: str(o, "to"), text: str(o, "text") }, {
        id: optional(o, "id", str),
        more: optional(o, "more", bool),
      });
    case "rename":
      return { type, n: counter(o, "n"), nick: str(o, "nick") };
    case "who":
    case "leave":
      return { type, n: counter(o, "n") };
    case "ack":
      return { type, n: counter(o, "n"), sack: sackList(o) };
    case "ping":
      return { type, t: field(o, "t", "number") as number };
    default:
      throw new FrameError("unknown-type", `Frame type '${type}' is not part of protocol v1`);
  }
}

function validateServerFrame(o: Json): ServerFrame {
  const type = str(o, "type");
  if (o.n !== undefined && type !== "ack") {
    return { ...validateServerEvent(o), n: counter(o, "n") };
  }
  switch (type) {
    case "welcome":
      return {
        type,
        nick: str(o, "nick"),
        room: str(o, "room"),
        epoch: str(o, "epoch"),
        session: str(o, "session"),
        seq: counter(o, "seq"),
        members: counter(o, "members"),
        heartbeat: counter(o, "heartbeat"),
        timeout: counter(o, "timeout"),
      };
    case "refused":
      return { type, code: str(o, "code"), reason: str(o, "reason") };
    case "ack":
      return { type, n: counter(o, "n"), sack: sackList(o) };
    case "pong":
      return { type, t: field(o, "t", "number") as number };
    case "error":
      return { type, code: str(o, "code"), message: str(o, "message") };
    case "closing":
      return { type };
    default:
      throw new FrameError("unknown-type", `Frame type '${type}' is not part of protocol v1`);
  }
}

const LEAVE_REASONS: readonly string[] = ["quit", "timeout", "closing", "overload"];

function validateServerEvent(o: Json): ServerEvent {
  const type = str(o, "type");
  const history = optional(o, "history", bool);
  switch (type) {
    case "msg":
    case "action":
      return withOptional({
        type,
        seq: counter(o, "seq"),
        from: str(o, "from"),
        text: str(o, "text"),
        time: field(o, "time", "number") as number,
      }, { id: optional(o, "id", str), more: optional(o, "more", bool), history });
    case "join":
      return withOptional({
        type,
        seq: counter(o, "seq"),
        nick: str(o, "nick"),
        time: field(o, "time", "number") as number,
      }, {
        history,
      });
    case "leave": {
      const reason = str(o, "reason");
      return withOptional({
        type,
        seq: counter(o, "seq"),
        nick: str(o, "nick"),
        reason: (LEAVE_REASONS.includes(reason) ? reason : "quit") as LeaveReason,
        time: field(o, "time", "number") as number,
      }, { history });
    }
    case "rename":
      return withOptional({
        type,
        seq: counter(o, "seq"),
        from: str(o, "from"),
        nick: str(o, "nick"),
        time: field(o, "time", "number") as number,
      }, { history });
    case "pm":
      return withOptional({
        type,
        from: str(o, "from"),
        to: str(o, "to"),
        text: str(o, "text"),
        time: field(o, "time", "number") as number,
      }, { id: optional(o, "id", str), more: optional(o, "more", bool) });
    case "members": {
      const members = o.members;
      if (!Array.isArray(members) || !members.every((m) => typeof m === "string")) {
        throw new FrameError("bad-frame", "Frame field 'members' must be a list of names");
      }
      return withOptional({ type, members: members as string[] }, {
        more: optional(o, "more", bool),
      });
    }
    case "error":
      return { type, code: str(o, "code"), message: str(o, "message") };
    default:
      throw new FrameError("unknown-type", `Frame type '${type}' is not part of protocol v1`);
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
 * Decodes one room event from text, e.g. a line of a transcript file.
 *
 * @param text One JSON object.
 * @returns The room event.
 * @throws {FrameError} If it is not a valid room event.
 *
 * @example Usage
 * ```ts
 * import { decodeRoomEvent } from "./frame.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(decodeRoomEvent('{"type":"join","seq":3,"nick":"bo","time":0}').seq, 3);
 * ```
 */
export function decodeRoomEvent(text: string): RoomEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError("bad-frame", "Room event is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FrameError("bad-frame", "Room event must be a JSON object");
  }
  const event = validateServerEvent(value as Json);
  if (!("seq" in event)) {
    throw new FrameError("bad-frame", `Event type '${event.type}' is not a room event`);
  }
  return event;
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
