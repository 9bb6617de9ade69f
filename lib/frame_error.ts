/**
 * The error a datagram that cannot be accepted raises. It is caught and
 * counted at the edge (`Room.receive`, `Session.receive`), never fatal.
 *
 * @module
 */

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
  | "room-full"
  | "address-full"
  | "bad-password"
  | "banned"
  | "muted"
  | "cannot-save";

/**
 * A datagram that cannot be accepted. `code` says which rule it broke; the
 * server answers senders with it in an `error` frame.
 *
 * @example Usage
 * ```ts
 * import { decodeClientDatagram } from "./decode.ts";
 * import { FrameError } from "./frame_error.ts";
 * import { ok } from "node:assert/strict";
 *
 * try {
 *   decodeClientDatagram(new TextEncoder().encode('{"udpchat":9,"type":"msg"}'));
 * } catch (error) {
 *   ok(error instanceof FrameError && error.code === "unsupported-version");
 * }
 * ```
 */
export class FrameError {
  /** Always `"FrameError"`. */
  readonly name = "FrameError";
  /** A sentence a person can act on. */
  readonly message: string;
  /** The rule the datagram broke, or `"garbage"` for bytes that are neither frame nor text. */
  readonly code: ErrorCode | "garbage" | "oversize";

  /**
   * Creates the error.
   *
   * @param code The rule the datagram broke.
   * @param message A sentence a person can act on.
   */
  constructor(code: ErrorCode | "garbage" | "oversize", message: string) {
    this.code = code;
    this.message = message;
  }
}

// An `Error` in every way that is used (`instanceof Error`, `name`, `message`), built without the
// stack trace the `Error` constructor captures: that costs ~3 µs in Deno even with
// `Error.stackTraceLimit` at 0 (measured), and a frame error is an expected outcome a flood of bad
// datagrams produces thousands of times a second. It has no `stack`.
Object.setPrototypeOf(FrameError.prototype, Error.prototype);
