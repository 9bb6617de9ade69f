/**
 * Both halves of one peer's reliable streams, as each end of a connection
 * holds them: payloads out (numbered, windowed, retransmitted), parts in
 * (ordered, acknowledged, joined into whole payloads). The server holds one
 * per member (`member_link.ts`), the client one per connection
 * (`session.ts`).
 *
 * @module
 */

import type { Timer } from "./deadlines.ts";
import type { EntryLayout } from "./frame.ts";
import { Assembler } from "./parts.ts";
import type { TraceNotes } from "./trace.ts";
import {
  Outbound,
  type StreamCounters,
  type StreamOptions,
  StreamReceiver,
  StreamSender,
} from "./stream.ts";

/** No turn's payloads wait to be flushed (a number, so the time is updated in place). */
const NOT_HELD = NaN;

/** What packs a connection's stream frames into datagrams: its `Envelope` (envelope.ts). */
export interface FramePacker {
  /** The most bytes of frames, commas included, that one datagram carries. */
  readonly capacity: number;
  /** The datagram carrying consecutive frames: one alone, or several as a bundle. */
  frames<T>(list: Outbound<T>, layout: EntryLayout<T>, start?: number, end?: number): Uint8Array;
}

/** How a {@linkcode StreamPair}'s owner puts its frames on the wire. */
export interface StreamCodec<Out> {
  /** How payload number `n` is laid out as one stream frame. */
  readonly entry: EntryLayout<Out>;
  /** What packs those frames into datagrams. */
  readonly packer: FramePacker;
  /** The datagram acknowledging the incoming stream. */
  ack(ack: { n: number; sack: number[] }): Uint8Array;
}

/**
 * A connection's two streams.
 *
 * @example Usage
 * ```ts
 * import { Envelope } from "./envelope.ts";
 * import { StreamPair } from "./stream_pair.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 *
 * const json = (n: number, text: string) => JSON.stringify({ n, type: "msg", text });
 * const entry = {
 *   size: (n: number, text: string) => json(n, text).length,
 *   write: (n: number, text: string, out: Uint8Array, at: number) => {
 *     new TextEncoder().encodeInto(json(n, text), out.subarray(at));
 *   },
 * };
 * const envelope = new Envelope("t0k3n");
 * const sent: Array<{ type: string; frames: Array<{ text: string }> }> = [];
 * const pair = new StreamPair<string, { text: string }>(
 *   {},
 *   { entry, packer: envelope, ack: (ack) => envelope.wrap({ type: "ack", ...ack }) },
 *   (data) => sent.push(JSON.parse(new TextDecoder().decode(data))),
 * );
 * pair.push("hello");
 * pair.push("world");
 * pair.flushLater(0);
 * equal(sent.length, 0);
 * pair.flushPending(); // the turn's payloads go out together
 * equal(sent[0].type, "bundle");
 * deepEqual(sent[0].frames.map((frame) => frame.text), ["hello", "world"]);
 * ```
 */
export class StreamPair<Out, In extends object> {
  /** The timers this pair needs: delayed acknowledgements and retransmissions. */
  readonly timers: readonly Timer[];
  readonly #options: StreamOptions;
  #out: StreamSender<Out>;
  #in: StreamReceiver<In>;
  #assembler = new Assembler<In>();
  readonly #codec: StreamCodec<Out>;
  readonly #send: (data: Uint8Array, now: number) => void;
  readonly #counters: StreamCounters[];
  /** What a flush sends, refilled each time. */
  readonly #outbound = new Outbound<Out>();
  /** The time of the turn whose payloads wait for {@linkcode StreamPair.flushPending}, or NOT_HELD. */
  #flushAt = NOT_HELD;

  /**
   * Opens fresh streams: both start at number 1.
   *
   * @param options Window and timers of the outgoing stream.
   * @param codec Makes the datagrams: payload number `n`, and acknowledgements.
   * @param send Puts a datagram on the wire.
   */
  constructor(
    options: StreamOptions,
    codec: StreamCodec<Out>,
    send: (data: Uint8Array, now: number) => void,
  ) {
    this.#options = options;
    this.#out = new StreamSender(options);
    this.#in = new StreamReceiver(options);
    this.#codec = codec;
    this.#send = send;
    this.#counters = [options.counters ?? []].flat();
    this.timers = [
      { name: "ack", at: () => this.#in.ackDeadline(), fire: (now) => this.sendAck(now) },
      {
        name: "retransmit",
        at: () => Number.isNaN(this.#flushAt) ? this.#out.deadline() : this.#flushAt,
        fire: (now) => this.flush(now),
      },
    ];
  }

  /** Payloads queued or in flight, not yet acknowledged. */
  get unacked(): number {
    return this.#out.unacked;
  }

  /** The smoothed round-trip time in ms, once measured. */
  get rtt(): number | undefined {
    return this.#out.rtt;
  }

  /**
   * When the oldest unacknowledged payload was first sent.
   *
   * @returns A time in ms, or `undefined` when everything sent is acknowledged.
   */
  oldestSentAt(): number | undefined {
    return this.#out.oldestSentAt();
  }

  /**
   * Queues a payload; {@linkcode StreamPair.flush} sends it when the window allows.
   *
   * @param payload What to deliver.
   * @returns Its stream number.
   */
  push(payload: Out): number {
    return this.#out.push(payload);
  }

  /**
   * Sends what the outgoing stream has due, retransmissions then new
   * payloads, packed in order into as few datagrams as fit.
   */
  flush(now: number): void {
    this.#flushAt = NOT_HELD;
    const items = this.#outbound;
    items.clear(); // empty already, unless a flush was cut short by an exception
    this.#out.transmitInto(now, items);
    if (items.length === 0) return;
    const { entry, packer } = this.#codec;
    let start = 0;
    let size = 0;
    for (let i = 0; i < items.length; i++) {
      const bytes = entry.size(items.numberAt(i), items.payloadAt(i));
      if (i > start && size + 1 + bytes > packer.capacity) {
        this.#sendGroup(start, i, now);
        start = i;
        size = 0;
      }
      size += (i > start ? 1 : 0) + bytes;
    }
    this.#sendGroup(start, items.length, now);
    items.clear();
  }

  /**
   * Sends what is queued at the end of this turn (by
   * {@linkcode StreamPair.flushPending}) rather than now, so that payloads
   * queued together travel together.
   *
   * @param now The current time in ms.
   */
  flushLater(now: number): void {
    if (Number.isNaN(this.#flushAt)) this.#flushAt = now;
  }

  /** Ends the turn: sends what {@linkcode StreamPair.flushLater} held. */
  flushPending(): void {
    if (!Number.isNaN(this.#flushAt)) this.flush(this.#flushAt);
  }

  /** Sends what is to go out from place `start` up to, not including, `end`, in one datagram. */
  #sendGroup(start: number, end: number, now: number): void {
    const { entry, packer } = this.#codec;
    const items = this.#outbound;
    const data = packer.frames(items, entry, start, end);
    if (this.#options.notes) {
      this.#noteSend(this.#options.notes, data, items.pairs(start, end).map(([n]) => n));
    }
    this.#send(data, now);
  }

  /** Sends an acknowledgement of the incoming stream if one is due. */
  sendAck(now: number): void {
    const ack = this.#in.takeAck(now);
    if (ack === undefined) return;
    for (const counters of this.#counters) counters.acks++;
    this.#send(this.#codec.ack(ack), now);
  }

  /**
   * Takes a part off the incoming stream and acknowledges it when due.
   *
   * @param n Its stream number.
   * @param part The part.
   * @param now The current time in ms.
   * @param acknowledge Whether to acknowledge now if due; `false` for all but the last part of a
   *   bundle, so one acknowledgement answers the bundle.
   * @returns The parts now deliverable in order, or `undefined` when `n` is too far ahead.
   */
  receive(n: number, part: In, now: number, acknowledge = true): In[] | undefined {
    const ready = this.#in.receive(n, part, now);
    if (acknowledge) this.sendAck(now);
    return ready;
  }

  /**
   * Whether incoming payload `n` has arrived already.
   *
   * @param n A stream number.
   * @returns `true` for a duplicate.
   */
  holds(n: number): boolean {
    return this.#in.holds(n);
  }

  /**
   * Joins the parts of a long payload, in stream order.
   *
   * @param part The next part.
   * @returns The whole payload once its last part arrived, else `undefined`.
   * @throws {RangeError} When the payload is longer than a message may be.
   */
  assemble(part: In): In | undefined {
    return this.#assembler.add(part);
  }

  /**
   * Applies the peer's acknowledgement, then sends what the window now allows.
   *
   * @param delivered Called with each payload newly delivered, oldest first.
   * @returns How many payloads were newly delivered, or `undefined` if the
   *   ack names numbers never sent (forged or stale): then nothing changes.
   */
  ack(
    n: number,
    sack: readonly number[],
    now: number,
    delivered?: (payload: Out) => void,
  ): number | undefined {
    const count = this.#out.ack(n, sack, now, delivered);
    this.flush(now);
    return count;
  }

  /** The acknowledgement of everything received so far, as a datagram. */
  finalAck(): Uint8Array {
    return this.#codec.ack(this.#in.ack());
  }

  /**
   * Empties the outgoing stream, to carry what it holds over to new streams.
   *
   * @returns Every unacknowledged payload, oldest first, and whether it was ever sent.
   */
  drain(): Array<{ payload: Out; sent: boolean }> {
    return this.#out.drain();
  }

  /** Says in the trace why payloads go again, if they do. */
  #noteSend(notes: TraceNotes, data: Uint8Array, numbers: readonly number[]): void {
    const again = numbers.flatMap((n) => {
      const sent = this.#out.lastSend(n);
      if (sent === undefined || sent.tries < 2) return [];
      const why = sent.timeout === "lost"
        ? "a later one was acknowledged"
        : `rto ${Math.round(sent.timeout ?? 0)} ms`;
      return [`n=${n} (${ordinal(sent.tries)}, ${why})`];
    });
    if (again.length === 0) return;
    const bundle = numbers.length > 1 ? `bundle of ${numbers.length}, ` : "";
    notes.outgoing(data, `${bundle}retransmit ${again.join(", ")}`);
  }

  /** Starts both streams afresh at number 1, for a new connection; drain first to keep anything. */
  renew(): void {
    this.#flushAt = NOT_HELD;
    this.#out = new StreamSender(this.#options);
    this.#in = new StreamReceiver(this.#options);
    this.#assembler = new Assembler();
  }
}

/** `2nd`, `3rd`, `11th`: how many times a frame has been sent. */
function ordinal(count: number): string {
  const tens = count % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ["th", "st", "nd", "rd"][count % 10] ?? "th";
  return `${count}${suffix}`;
}
