/**
 * Where received bytes become typed frames: each datagram is parsed once and
 * checked against the tables in `schema.ts`, at the edge, so everything after
 * these functions can trust its types. A datagram that is not a frame but
 * looks like text is a message from a legacy (plain-text) member; anything
 * else is garbage.
 *
 * @module
 */

import {
  type BundleFrame,
  type ClientDatagram,
  type ClientRequest,
  type DiscoveryFrame,
  MAX_DATAGRAM,
  type RoomEvent,
  type ServerEvent,
  type ServerFrame,
  VERSION,
} from "./frame.ts";
import { FrameError } from "./frame_error.ts";
import {
  CLIENT_FRAMES,
  DISCOVERY_FRAMES,
  readField,
  SERVER_FRAMES,
  STREAM_EVENTS,
  validateFrame,
} from "./schema.ts";

const lenientDecoder = new TextDecoder("utf-8", { fatal: false });

type Json = Record<string, unknown>;

/**
 * Decodes a datagram received by the server: a frame, or text from a legacy
 * member.
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
  const object = parseFrameObject(data, MAX_DATAGRAM);
  if (object === undefined) return { kind: "legacy", text: decodeLegacyText(data) };
  return { kind: "frame", frame: validateFrame(CLIENT_FRAMES, object) };
}

/**
 * Decodes a datagram received by a client: a frame outside the stream, or an
 * event numbered `n` on it (any frame with `n` but an `ack`).
 *
 * @param data The datagram; it is not retained.
 * @returns The frame.
 * @throws {FrameError} If the datagram is not a valid server frame.
 *
 * @example Usage
 * ```ts
 * import { decodeServerFrame } from "./decode.ts";
 * import { equal } from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode('{"udpchat":2,"type":"pong","token":"k","t":5}');
 * equal(decodeServerFrame(bytes).type, "pong");
 * ```
 */
export function decodeServerFrame(data: Uint8Array): ServerFrame {
  const object = parseFrameObject(data, MAX_DATAGRAM);
  if (object === undefined) throw new FrameError("garbage", "Datagram is not a udpchat frame");
  if (object.n === undefined || object.type === "ack") return validateFrame(SERVER_FRAMES, object);
  return {
    ...validateFrame(STREAM_EVENTS, object),
    n: readField(object, "n", "count") as number,
    token: readField(object, "token", "string") as string,
  };
}

/** The client frame types that travel on its stream, and so may be bundled. */
const REQUEST_TYPES: ReadonlySet<string> = new Set(
  Object.entries(CLIENT_FRAMES).filter(([type, shape]) => "n" in shape && type !== "ack")
    .map(([type]) => type),
);

/**
 * Unpacks the requests a client bundled into one datagram. Each entry is
 * checked as the frame it would be alone, with the bundle's token; one bad
 * entry refuses the whole bundle, so a bundle is handled all or not at all.
 *
 * @param bundle A bundle whose token was checked.
 * @returns Its requests, in order.
 * @throws {FrameError} With code `bad-frame` if an entry is not a stream request.
 *
 * @example Usage
 * ```ts
 * import { bundledRequests } from "./decode.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const frames = [{ n: 4, type: "msg", text: "hi" }, { n: 5, type: "who" }];
 * deepEqual(bundledRequests({ type: "bundle", token: "k", frames }).map((r) => r.n), [4, 5]);
 * ```
 */
export function bundledRequests(bundle: BundleFrame): ClientRequest[] {
  return bundle.frames.map((entry) => {
    if (typeof entry.type !== "string" || !REQUEST_TYPES.has(entry.type)) {
      throw new FrameError("bad-frame", "A bundle may hold only stream frames");
    }
    return validateFrame(CLIENT_FRAMES, { ...entry, token: bundle.token }) as ClientRequest;
  });
}

/**
 * Unpacks the stream events the server bundled into one datagram, each
 * checked as the frame it would be alone; one bad entry refuses the bundle.
 *
 * @param bundle A bundle whose token was checked.
 * @returns Its events with their stream numbers, in order.
 * @throws {FrameError} With code `bad-frame` if an entry is not a stream event.
 *
 * @example Usage
 * ```ts
 * import { bundledEvents } from "./decode.ts";
 * import { equal } from "node:assert/strict";
 *
 * const frames = [{ n: 9, type: "error", code: "muted", message: "You are muted" }];
 * equal(bundledEvents({ frames })[0].n, 9);
 * ```
 */
export function bundledEvents(
  bundle: Pick<BundleFrame, "frames">,
): Array<ServerEvent & { n: number }> {
  return bundle.frames.map((entry) => ({
    ...validateFrame(STREAM_EVENTS, entry),
    n: readField(entry, "n", "count") as number,
  }));
}

/**
 * Decodes a datagram on the discovery port.
 *
 * @param data The datagram; it is not retained.
 * @param maxSize Larger datagrams are refused unread.
 * @returns The probe or reply.
 * @throws {FrameError} If it is not a valid discovery frame of this version.
 *
 * @example Usage
 * ```ts
 * import { decodeDiscoveryFrame } from "./decode.ts";
 * import { equal } from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode('{"udpchat":2,"type":"discover","nonce":"n1"}');
 * equal(decodeDiscoveryFrame(bytes, 1024).type, "discover");
 * ```
 */
export function decodeDiscoveryFrame(data: Uint8Array, maxSize: number): DiscoveryFrame {
  const object = parseFrameObject(data, maxSize);
  if (object === undefined) throw new FrameError("garbage", "Datagram is not a udpchat frame");
  return validateFrame(DISCOVERY_FRAMES, object);
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
  if (!isObject(value)) throw new FrameError("bad-frame", "Room event must be a JSON object");
  const event = validateFrame(STREAM_EVENTS, value);
  if (!("seq" in event) || event.type === "joins" || event.type === "leaves") {
    throw new FrameError("bad-frame", `Event type '${event.type}' is not a room event`);
  }
  return event;
}

/** Returns the frame's object, `undefined` when the datagram is not meant as a frame. */
function parseFrameObject(data: Uint8Array, maxSize: number): Json | undefined {
  if (data.length > maxSize) {
    throw new FrameError("oversize", `Datagram is ${data.length} bytes, the limit is ${maxSize}`);
  }
  // A frame starts with "{" (after optional white space); anything else is text.
  let i = 0;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x09 || data[i] === 0x0a)) i++;
  if (data[i] !== 0x7b) return undefined;
  const text = lenientDecoder.decode(data);
  if (text.includes("\uFFFD") && replacements(data) !== countReplacementChars(text)) {
    return undefined; // not UTF-8, so not a frame
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Truncated frames still name the protocol near their start.
    if (text.includes('"udpchat"')) throw new FrameError("bad-frame", "Frame is not valid JSON");
    return undefined;
  }
  if (!isObject(value) || !("udpchat" in value)) return undefined;
  if (value.udpchat !== VERSION) {
    throw new FrameError(
      "unsupported-version",
      `Protocol version ${
        JSON.stringify(value.udpchat)
      } is not supported: this program speaks ${VERSION}`,
    );
  }
  return value;
}

// Invalid UTF-8 is found without a fatal decoder, whose error costs more than the decoding: every
// U+FFFD in the text must be one the sender wrote (bytes EF BF BD), not one put in for bad bytes.
function replacements(data: Uint8Array): number {
  let count = 0;
  for (let i = data.indexOf(0xef); i !== -1 && i + 2 < data.length; i = data.indexOf(0xef, i + 1)) {
    if (data[i + 1] === 0xbf && data[i + 2] === 0xbd) count++;
  }
  return count;
}

function countReplacementChars(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\uFFFD"); i !== -1; i = text.indexOf("\uFFFD", i + 1)) count++;
  return count;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
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
