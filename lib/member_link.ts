/**
 * A v2 member's side of the room: its session's envelope (token, sealing),
 * its two reliable streams (room events out, requests in), long requests
 * joined from their parts, acknowledgements and retransmissions. Everything it
 * sends goes through the room's `send`.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Broadcast, Channel } from "./broadcast.ts";
import type { Timer } from "./deadlines.ts";
import type { Envelope } from "./envelope.ts";
import {
  type ClientFrame,
  type ClientRequest,
  EncodedEvent,
  EVENT_ENTRY,
  type ServerEvent,
  type ServerFrame,
} from "./frame.ts";
import type { ErrorCode } from "./frame_error.ts";
import { splitPayload } from "./parts.ts";
import { type StreamCounters, streamCounters, type StreamOptions } from "./stream.ts";
import type { TokenBucket } from "./rate_limit.ts";
import { StreamPair } from "./stream_pair.ts";

/** A member whose backlog is over the limit is removed once it has acknowledged nothing for this long, in ms. */
export const STALL_AFTER = 5000;
/** …or at once when its backlog is this many times over the limit (a bound on memory). */
const STALL_CAP = 4;

/** A server frame that carries the member's token. */
export type MemberFrame = Extract<ServerFrame, { token: string }>;

/** Settings of a {@linkcode MemberLink}. */
export interface MemberLinkOptions {
  /** Silence after which the member is removed, in ms. */
  timeout: number;
  /** Most payloads queued for the member before it counts as too far behind. */
  maxBacklog: number;
  /** The session's envelope: its token and, with a room password, its keys. */
  envelope: Envelope<MemberFrame>;
  /** The member's request allowance (shared by its sessions). */
  allowance: TokenBucket;
  /** When the link opens, in ms. */
  since: number;
  /** Window and timers of the stream to the member. */
  stream: StreamOptions;
}

/**
 * The streams of one v2 member's connection (one `session` token).
 *
 * @example Usage
 * ```ts
 * import { Broadcast } from "./broadcast.ts";
 * import { Envelope } from "./envelope.ts";
 * import { MemberLink } from "./member_link.ts";
 * import { TokenBucket } from "./rate_limit.ts";
 * import { equal } from "node:assert/strict";
 *
 * const sent: Uint8Array[] = [];
 * const envelope = new Envelope("t0k3n");
 * const allowance = new TokenBucket(5, 20, 0);
 * const options = { timeout: 30_000, maxBacklog: 100, stream: {}, envelope, allowance, since: 0 };
 * const link = new MemberLink("s1", { hostname: "10.0.0.2", port: 5000 }, (_, d) => sent.push(d), options);
 * link.relay(new Broadcast({ type: "join", seq: 1, nick: "bob", time: 0 }), 0);
 * link.relay(new Broadcast({ type: "join", seq: 2, nick: "cy", time: 0 }), 0);
 * link.endTurn(); // the turn's events go out together
 * const frame = JSON.parse(new TextDecoder().decode(sent[0]));
 * equal(frame.type, "bundle");
 * equal(frame.frames.length, 2);
 * ```
 */
export class MemberLink implements Channel {
  /** The client's token for this connection. */
  readonly session: string;
  readonly timeout: number;
  readonly timers: readonly Timer[];
  readonly #to: Address;
  readonly #send: (to: Address, data: Uint8Array) => void;
  readonly #maxBacklog: number;
  readonly #streams: StreamPair<EncodedEvent, ClientRequest>;
  readonly #envelope: Envelope<MemberFrame>;
  readonly #counters = streamCounters();
  /** When the member last acknowledged something new. */
  #lastProgress: number;
  /** The member's requests allowed: a burst, then the room's rate. */
  readonly allowance: TokenBucket;

  /**
   * Opens fresh streams to a member.
   *
   * @param session The client's token for this connection.
   * @param to The member's address.
   * @param send Puts a datagram on the wire.
   * @param options Timeout, backlog bound and stream settings.
   */
  constructor(
    session: string,
    to: Address,
    send: (to: Address, data: Uint8Array) => void,
    options: MemberLinkOptions,
  ) {
    this.session = session;
    this.timeout = options.timeout;
    this.#to = to;
    this.#send = send;
    this.#maxBacklog = options.maxBacklog;
    this.allowance = options.allowance;
    this.#lastProgress = options.since;
    const envelope = this.#envelope = options.envelope;
    const counters = [this.#counters, ...[options.stream.counters ?? []].flat()];
    this.#streams = new StreamPair({ ...options.stream, counters }, {
      entry: EVENT_ENTRY,
      packer: envelope,
      ack: (ack) => envelope.wrap({ type: "ack", ...ack }),
    }, (data) => send(to, data));
    this.timers = this.#streams.timers;
  }

  /** The session's token. */
  get token(): string {
    return this.#envelope.token;
  }

  /** The member's requests: take parts off its stream, join long ones, acknowledge. */
  get requests(): Pick<
    StreamPair<EncodedEvent, ClientRequest>,
    "receive" | "assemble" | "holds" | "sendAck"
  > {
    return this.#streams;
  }

  relay(broadcast: Broadcast, now: number): boolean {
    const parts = broadcast.parts;
    for (let i = 0; i < parts.length; i++) this.#streams.push(parts[i]);
    this.#streams.flushLater(now);
    // Too far behind means not acknowledging for a while, not merely slow: a reader that keeps
    // up at its own pace stays, whoever causes the traffic. A hard cap bounds memory all the same.
    const backlog = this.#streams.unacked;
    if (backlog > this.#maxBacklog * STALL_CAP) return false;
    return backlog <= this.#maxBacklog || now - this.#lastProgress < STALL_AFTER;
  }

  /**
   * Sends an event for this member only (a private message, a member list), split if long.
   *
   * @param event The event.
   * @param now The current time in ms.
   */
  queue(event: ServerEvent, now: number): void {
    this.queueParts(splitPayload(event).map((part) => new EncodedEvent(part)), now);
  }

  /**
   * Sends parts already encoded for this member, such as the roster's (shared by every joiner).
   *
   * @param parts The parts of one event, in order.
   * @param now The current time in ms.
   */
  queueParts(parts: readonly EncodedEvent[], now: number): void {
    for (const part of parts) this.#streams.push(part);
    this.#streams.flushLater(now);
  }

  reply(code: ErrorCode, message: string, now: number, id?: string): void {
    this.queue({ type: "error", code, message, ...(id === undefined ? {} : { id }) }, now);
  }

  endTurn(): void {
    this.#streams.flushPending();
  }

  closing(): void {
    this.#streams.flushPending();
    this.#send(this.#to, this.#envelope.wrap({ type: "closing" }));
  }

  removed(action: "kick" | "ban", text?: string, minutes?: number): Uint8Array {
    this.#streams.flushPending();
    const frame = this.#envelope.wrap({
      type: "removed",
      action,
      ...(text ? { text } : {}),
      ...(minutes ? { minutes } : {}),
    });
    this.#send(this.#to, frame);
    return frame;
  }

  /** The smoothed round-trip time to the member, once measured, in ms. */
  get rtt(): number | undefined {
    return this.#streams.rtt;
  }

  /** This link's own transmission counters (also added to the room's). */
  get counters(): StreamCounters {
    return this.#counters;
  }

  /**
   * Answers a `ping`.
   *
   * @param t The time the ping carried.
   * @param heartbeat The idle ping interval asked of the member now, in ms.
   * @param next How long until the next ping slot, in ms, if there is one.
   */
  pong(t: number, heartbeat: number, next: number | undefined): void {
    // An undefined `next` is left out of the JSON.
    this.#send(this.#to, this.#envelope.wrap({ type: "pong", t, heartbeat, next }));
  }

  /**
   * Checks that a frame from the member's address belongs to this session
   * (see {@linkcode Envelope.check}).
   *
   * @param frame The frame as received.
   * @param decode Decodes the bytes inside a sealed frame.
   * @returns The frame to act on, or `undefined` if it is forged or replayed.
   */
  check(
    frame: ClientFrame,
    decode: (data: Uint8Array) => ClientFrame | undefined,
  ): ClientFrame | undefined {
    return this.#envelope.check(frame, decode);
  }

  /**
   * Applies the member's acknowledgement of its stream.
   *
   * @returns `false` if it names numbers never sent: then nothing changes.
   */
  ack(n: number, sack: readonly number[], now: number): boolean {
    const delivered = this.#streams.ack(n, sack, now);
    if (delivered) this.#lastProgress = now;
    return delivered !== undefined;
  }

  /** The acknowledgement of everything received, to repeat after the member left. */
  finalAck(): Uint8Array {
    return this.#streams.finalAck();
  }

  /**
   * Empties the stream to the member, to carry its undelivered events over to a new link.
   *
   * @returns The events never acknowledged, oldest first.
   */
  drain(): EncodedEvent[] {
    return this.#streams.drain().map(({ payload }) => payload);
  }

  /**
   * Queues events carried over from the member's previous link, after what is already queued.
   *
   * @param events Events from {@linkcode MemberLink.drain}.
   * @param now The current time in ms.
   */
  carryOver(events: readonly EncodedEvent[], now: number): void {
    for (const event of events) this.#streams.push(event);
    this.#streams.flushLater(now);
  }
}
