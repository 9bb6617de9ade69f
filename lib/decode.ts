/**
 * Where received bytes become typed frames: parsing and validating every
 * field once, at the edge, so that everything after
 * {@linkcode decodeClientDatagram} and {@linkcode decodeServerFrame} can
 * trust its types. A datagram that is not a v1 frame but looks like text is a
 * message from a legacy (plain-text) member; anything else is garbage.
 *
 * @module
 */

import {
  type ClientDatagram,
  type ClientFrame,
  FrameError,
  type LeaveReason,
  MAX_DATAGRAM,
  type RoomEvent,
  type ServerEvent,
  type ServerFrame,
  VERSION,
} from "./frame.ts";

const lenientDecoder = new TextDecoder("utf-8", { fatal: false });
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

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
 * import { decodeClientDatagram } from "./decode.ts";
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
 * Decodes one room event from text, e.g. a line of a transcript file.
 *
 * @param text One JSON object.
 * @returns The room event.
 * @throws {FrameError} If it is not a valid room event.
 *
 * @example Usage
 * ```ts
 * import { decodeRoomEvent } from "./decode.ts";
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
