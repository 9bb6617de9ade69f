/**
 * The client's messages on their way: each is `pending` from when it is
 * typed until it is `delivered` (its last part acknowledged, or seen in the
 * room with its id); `failed` (once) when it waited too long; carried over
 * whole to the next stream when the connection is renewed. Without I/O.
 *
 * @module
 */

import type { ClientRequest, DistributiveOmit } from "./frame.ts";
import { splitPayload } from "./parts.ts";

/** A request as the session queues it: a client stream frame without its number and token. */
export type RequestBody = DistributiveOmit<ClientRequest, "n" | "token">;

/** A request waiting for the stream, with the local message id it completes, if any. */
export interface Outgoing {
  /** The frame to send, without `n`. */
  body: RequestBody;
  /** Local id of the message this part belongs to. */
  message?: number;
  /** Set on the last part of a message: acknowledging it delivers the message. */
  last?: boolean;
}

/** What the outbox reports about a message. */
export type DeliveryEvent =
  | { type: "pending"; id: number; text: string }
  | { type: "delivered"; id: number }
  | {
    type: "failed";
    id: number;
    text: string;
    reason: string;
    /** Set when the server refused it: it is not being retried. */
    final?: boolean;
  };

interface PendingMessage {
  text: string;
  wire: string;
  /** All its parts, to send again whole after reconnecting. */
  parts: Outgoing[];
  /** When it was typed, or when reconnecting began if later. */
  since: number;
  /** Whether `failed` was reported for it already. */
  reported: boolean;
}

/**
 * Messages typed and not yet known to be delivered.
 *
 * @example Usage
 * ```ts
 * import { Outbox } from "./outbox.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const events: unknown[] = [];
 * const outbox = new Outbox("c1", (event) => events.push(event));
 * const [part] = outbox.add({ type: "msg", text: "hi" }, 0);
 * outbox.acked(part);
 * deepEqual(events, [{ type: "pending", id: 1, text: "hi" }, { type: "delivered", id: 1 }]);
 * ```
 */
export class Outbox {
  readonly #client: string;
  readonly #emit: (event: DeliveryEvent) => void;
  #count = 0;
  #pending = new Map<number, PendingMessage>();
  /** Local ids of pending messages by wire id, to recognise them in the room. */
  #byWire = new Map<string, number>();
  /** Messages not yet seen coming back from the room, by wire id. */
  #unechoed = new Map<string, { id: number; text: string }>();

  /**
   * Creates an empty outbox.
   *
   * @param client A random token that makes this client's wire ids unique.
   * @param emit Receives `pending`, `delivered` and `failed` events.
   */
  constructor(client: string, emit: (event: DeliveryEvent) => void) {
    this.#client = client;
    this.#emit = emit;
  }

  /** Messages not yet known to be delivered. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Messages sent but not yet seen coming back in the room: a client about
   * to leave waits for them, so that what it prints ends with its own words.
   */
  get unechoed(): number {
    return this.#unechoed.size;
  }

  /**
   * Takes a new message: gives it a local id and a wire id, and splits it into
   * datagram-sized parts.
   *
   * @param body The message, action or private message.
   * @param now The current time in ms.
   * @returns Its parts, to queue on the stream in order.
   */
  add(body: Extract<RequestBody, { text: string }>, now: number): Outgoing[] {
    const id = ++this.#count;
    const wire = `${this.#client}-${id}`;
    const parts = splitPayload<RequestBody>({ ...body, id: wire }).map((part, i, all) => ({
      body: part,
      message: id,
      last: i === all.length - 1,
    }));
    this.#pending.set(id, { text: body.text, wire, parts, since: now, reported: false });
    this.#byWire.set(wire, id);
    this.#unechoed.set(wire, { id, text: body.text });
    this.#emit({ type: "pending", id, text: body.text });
    return parts;
  }

  /**
   * Notes that the server acknowledged a request: the last part of a message delivers it.
   *
   * @param outgoing The request acknowledged.
   */
  acked(outgoing: Outgoing): void {
    if (outgoing.last) this.#delivered(outgoing.message!);
  }

  /**
   * Notes a message id seen in the room: seeing my message proves delivery,
   * even if its ack was lost.
   *
   * @param wire The id the room event carries.
   */
  seen(wire: string): void {
    this.#unechoed.delete(wire);
    const id = this.#byWire.get(wire);
    if (id !== undefined) this.#delivered(id);
  }

  /**
   * Notes that the server refused a message (an `error` naming its id): it
   * is reported as failed for good, even if its acknowledgement came first.
   *
   * @param wire The id the error carries.
   * @param reason The server's words.
   * @returns Whether the id was one of my messages still on its way.
   */
  refused(wire: string, reason: string): boolean {
    const message = this.#unechoed.get(wire);
    if (message === undefined) return false;
    this.#unechoed.delete(wire);
    this.#byWire.delete(wire);
    this.#pending.delete(message.id);
    this.#emit({ type: "failed", id: message.id, text: message.text, reason, final: true });
    return true;
  }

  /**
   * Reports each message that has waited `failAfter` ms as not delivered (once each).
   *
   * @param now The current time in ms.
   * @param failAfter How long a message may wait.
   * @param reason Why, for the user.
   */
  reportOverdue(now: number, failAfter: number, reason: string): void {
    for (const [id, message] of this.#pending) {
      if (now >= message.since + failAfter) this.#report(id, reason);
    }
  }

  /**
   * When the next message not yet reported will have waited `failAfter` ms.
   *
   * @param failAfter How long a message may wait.
   * @returns A time in ms, or `undefined` when none is waiting unreported.
   */
  nextOverdue(failAfter: number): number | undefined {
    let soonest: number | undefined;
    for (const message of this.#pending.values()) {
      if (!message.reported) soonest = Math.min(soonest ?? Infinity, message.since + failAfter);
    }
    return soonest;
  }

  /**
   * What to send again on a new stream, from what the old one never got
   * acknowledged. Messages that were sent are reported as not delivered; every
   * undelivered message goes again whole (the server relays each id once, so
   * none can appear twice); other requests go again except `leave`.
   *
   * @param drained The old stream's unacknowledged requests, oldest first.
   * @param now The current time in ms: waiting for delivery starts again.
   * @returns The requests to queue, in order.
   */
  carryOver(drained: Array<{ payload: Outgoing; sent: boolean }>, now: number): Outgoing[] {
    const resend: Outgoing[] = [];
    const requeued = new Set<number>();
    for (const { payload, sent } of drained) {
      const id = payload.message;
      if (id === undefined) {
        if (payload.body.type !== "leave") resend.push(payload);
        continue;
      }
      const message = this.#pending.get(id);
      if (message === undefined || requeued.has(id)) continue; // delivered, or already requeued
      if (sent) this.#report(id, "not acknowledged by the server");
      requeued.add(id);
      resend.push(...message.parts);
    }
    for (const message of this.#pending.values()) message.since = Math.max(message.since, now);
    return resend;
  }

  /**
   * Gives up on every message still pending, reporting each not yet reported.
   *
   * @param reason Why, for the user.
   */
  abandon(reason: string): void {
    for (const id of this.#pending.keys()) this.#report(id, reason);
    this.#pending.clear();
    this.#byWire.clear();
  }

  #delivered(id: number): void {
    const message = this.#pending.get(id);
    if (message === undefined) return;
    this.#pending.delete(id);
    this.#byWire.delete(message.wire);
    this.#emit({ type: "delivered", id });
  }

  #report(id: number, reason: string): void {
    const message = this.#pending.get(id);
    if (message === undefined || message.reported) return;
    message.reported = true;
    this.#emit({ type: "failed", id, text: message.text, reason });
  }
}
