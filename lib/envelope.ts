/**
 * A session's proof of membership, on every frame after the handshake, both
 * ways: the `token` the server issued in `welcome` (128 random bits that
 * only the two ends hold), compared in constant time. In a room with a
 * password every such frame is also sealed: encrypted and authenticated with
 * AES-256-GCM under the session's own key for its direction, inside a
 * `sealed` frame, and a replayed one is dropped.
 *
 * A frame that fails these checks changes nothing: whoever forged it cannot
 * speak for the session.
 *
 * @module
 */

import {
  base64url,
  fromBase64url,
  open,
  sameSecret,
  seal,
  SEAL_OVERHEAD,
  sealedCounter,
} from "./crypto.ts";
import {
  type ClientFrame,
  type DistributiveOmit,
  encodeFrame,
  type EntryLayout,
  MAX_DATAGRAM,
  type ServerFrame,
  VERSION,
} from "./frame.ts";
import type { DatagramArena } from "./datagram_arena.ts";
import type { Outbound } from "./stream.ts";
import { summarize, type TraceNotes } from "./trace.ts";

/** A frame that carries a session token. */
export type Tokened = Extract<ClientFrame | ServerFrame, { token: string }>;

/** How far behind the newest sealed frame an older one may still arrive (reordering), in frames. */
const REPLAY_WINDOW = 1024;

/** Keys for sealing: one for what this end sends, one for what it receives. */
export interface EnvelopeKeys {
  /** Seals what this end sends. */
  send: Uint8Array;
  /** Opens what it receives. */
  receive: Uint8Array;
}

/**
 * Wraps and checks one session's frames.
 *
 * @example Usage
 * ```ts
 * import { Envelope } from "./envelope.ts";
 * import { equal } from "node:assert/strict";
 *
 * const envelope = new Envelope<{ type: "ping"; token: string; t: number }>("k3j9x2abc");
 * const bytes = envelope.wrap({ type: "ping", t: 5 });
 * equal(new TextDecoder().decode(bytes), '{"udpchat":2,"type":"ping","t":5,"token":"k3j9x2abc"}');
 * equal(envelope.check({ type: "ping", t: 5, token: "k3j9x2abc" }, () => undefined)?.t, 5);
 * equal(envelope.check({ type: "ping", t: 5, token: "guessed!!" }, () => undefined), undefined);
 * ```
 */
export class Envelope<F extends Tokened> {
  /** The session's token. */
  readonly token: string;
  readonly #keys: EnvelopeKeys | undefined;
  /** With `--trace`: what each sealed frame holds, which only the two ends can see. */
  readonly #notes: TraceNotes | undefined;
  /** Where datagrams are written, when the server lends its memory. */
  readonly #arena: DatagramArena | undefined;
  /** `{"udpchat":2,"token":"…",`: what a stream frame alone starts with, before its entry's fields. */
  readonly #single: Uint8Array;
  /** `{"udpchat":2,"type":"bundle","token":"…","frames":[`: what a bundle starts with. */
  readonly #bundle: Uint8Array;
  /** The most bytes of entries, commas included, that one bundle carries. */
  readonly capacity: number;
  #sent = 0;
  #newest = 0;
  #seen = new Set<number>();

  /**
   * Creates the envelope for a session.
   *
   * @param token The token the server issued for the session.
   * @param keys The session's keys, in a room with a password.
   * @param notes With `--trace`: where to say what each sealed frame holds.
   * @param arena Where to write the datagrams {@linkcode Envelope.frames}
   *   returns (the server's, reused each turn); fresh arrays without it.
   */
  constructor(token: string, keys?: EnvelopeKeys, notes?: TraceNotes, arena?: DatagramArena) {
    this.token = token;
    this.#keys = keys;
    this.#notes = notes;
    this.#arena = arena;
    const quoted = JSON.stringify(token);
    this.#single = utf8.encode(`{"udpchat":${VERSION},"token":${quoted},`);
    this.#bundle = utf8.encode(
      `{"udpchat":${VERSION},"type":"bundle","token":${quoted},"frames":[`,
    );
    // Sealing turns the frame into base64url (4 characters per 3 bytes) inside a `sealed` frame.
    const sealedFrame = encodeFrame({ type: "sealed", token, box: "" }).length;
    const plain = keys === undefined
      ? MAX_DATAGRAM
      : Math.floor((MAX_DATAGRAM - sealedFrame) * 3 / 4) - SEAL_OVERHEAD;
    this.capacity = plain - this.#bundle.length - "]}".length;
  }

  /** Whether frames are sealed (the room has a password). */
  get sealed(): boolean {
    return this.#keys !== undefined;
  }

  /**
   * Encodes a frame of this session: adds the token, and seals it if the room has a password.
   *
   * @param frame The frame without its token.
   * @returns The datagram.
   */
  wrap(frame: DistributiveOmit<F, "token">): Uint8Array {
    return this.seal(encodeFrame({ ...frame, token: this.token } as F));
  }

  /**
   * The datagram carrying consecutive stream frames: one alone as a frame of
   * its own, several as a `bundle` (QUIC's packing of frames into one
   * packet: one datagram, one token check and one acknowledgement for all),
   * sealed if the room has a password. Each frame is written once, straight
   * into the datagram.
   *
   * @param list The payloads and their stream numbers.
   * @param layout How each is measured and written: JSON starting `{"n":`, without `udpchat`
   *   and `token`. When there are several, their sizes and commas must fit
   *   {@linkcode Envelope.capacity}.
   * @param start The first of `list` to send.
   * @param end One past the last of `list` to send.
   * @returns The datagram to send: in the envelope's arena, if it has one,
   *   so read it before the arena is reset.
   *
   * @example Usage
   * ```ts
   * import { Envelope } from "./envelope.ts";
   * import { Outbound } from "./stream.ts";
   * import { equal } from "node:assert/strict";
   *
   * const envelope = new Envelope("k3j9x2abc");
   * const who = {
   *   size: (n: number, type: string) => `{"n":${n},"type":"${type}"}`.length,
   *   write: (n: number, type: string, out: Uint8Array, at: number) => {
   *     new TextEncoder().encodeInto(`{"n":${n},"type":"${type}"}`, out.subarray(at));
   *   },
   * };
   * const text = (data: Uint8Array) => new TextDecoder().decode(data);
   * const list = Outbound.of([[4, "who"], [5, "who"]]);
   * equal(
   *   text(envelope.frames(list, who, 0, 1)),
   *   '{"udpchat":2,"token":"k3j9x2abc","n":4,"type":"who"}',
   * );
   * equal(
   *   text(envelope.frames(list, who)),
   *   '{"udpchat":2,"type":"bundle","token":"k3j9x2abc","frames":[{"n":4,"type":"who"},{"n":5,"type":"who"}]}',
   * );
   * ```
   */
  frames<T>(
    list: Outbound<T>,
    layout: EntryLayout<T>,
    start = 0,
    end: number = list.length,
  ): Uint8Array {
    if (end - start === 1) {
      // The frame's own fields follow the header: the header's closing comma takes the place of
      // the entry's opening brace.
      const n = list.numberAt(start);
      const item = list.payloadAt(start);
      const head = this.#single;
      const out = this.#take(head.length - 1 + layout.size(n, item));
      layout.write(n, item, out, head.length - 1);
      out.set(head);
      return this.seal(out);
    }
    const head = this.#bundle;
    let size = head.length + (end - start) + 1; // commas, then "]}"
    for (let i = start; i < end; i++) size += layout.size(list.numberAt(i), list.payloadAt(i));
    const out = this.#take(size);
    out.set(head);
    let at = head.length;
    for (let i = start; i < end; i++) {
      if (i > start) out[at++] = 0x2c; // ,
      const n = list.numberAt(i);
      const item = list.payloadAt(i);
      layout.write(n, item, out, at);
      at += layout.size(n, item); // measured again rather than kept: it counts digits
    }
    out[at++] = 0x5d; // ]
    out[at] = 0x7d; // }
    return this.seal(out);
  }

  /** Memory for one datagram (sealing copies it: the arena's bytes then never leave). */
  #take(size: number): Uint8Array {
    return this.#arena?.take(size) ?? new Uint8Array(size);
  }

  /**
   * Seals an already encoded frame that carries the token (a shared stream
   * event, for instance); returns it as it is when the room has no password.
   *
   * @param data The encoded frame.
   * @returns The datagram to send.
   */
  seal(data: Uint8Array): Uint8Array {
    if (this.#keys === undefined) return data;
    const box = base64url(seal(this.#keys.send, ++this.#sent, data));
    const sealed = encodeFrame({ type: "sealed", token: this.token, box });
    this.#notes?.outgoing(sealed, `sealed: ${summarize(data)}`);
    return sealed;
  }

  /**
   * Checks a received frame: its token must be this session's; in a room with
   * a password it must be sealed with the session's key, never seen before,
   * and the frame inside carries the token too.
   *
   * @param frame The decoded frame as received.
   * @param decode Decodes the bytes inside a sealed frame (returns `undefined` if they are not a frame).
   * @returns The frame to act on, or `undefined` if it must be ignored.
   */
  check<R extends { type: string; token?: string; box?: string }>(
    frame: R,
    decode: (data: Uint8Array) => R | undefined,
  ): R | undefined {
    if (frame.token === undefined || !sameSecret(frame.token, this.token)) return undefined;
    if (this.#keys === undefined) return frame.type === "sealed" ? undefined : frame;
    if (frame.type !== "sealed" || frame.box === undefined) return undefined;
    const box = fromBase64url(frame.box);
    const plain = box && open(this.#keys.receive, box);
    if (plain === undefined || !this.#fresh(sealedCounter(box!))) return undefined;
    const inner = decode(plain);
    if (inner === undefined || inner.type === "sealed") return undefined;
    this.#notes?.incoming(`sealed: ${summarize(plain)}`);
    return inner.token !== undefined && sameSecret(inner.token, this.token) ? inner : undefined;
  }

  /** Whether a sealed frame's counter is new: not seen, and not too old to tell. */
  #fresh(counter: number): boolean {
    if (counter <= this.#newest - REPLAY_WINDOW || this.#seen.has(counter)) return false;
    this.#seen.add(counter);
    if (counter > this.#newest) {
      this.#newest = counter;
      if (this.#seen.size > 2 * REPLAY_WINDOW) {
        for (const old of this.#seen) if (old <= counter - REPLAY_WINDOW) this.#seen.delete(old);
      }
    }
    return true;
  }
}

const utf8 = new TextEncoder();
