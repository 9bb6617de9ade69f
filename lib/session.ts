/**
 * A client's membership of a room, without any I/O.
 *
 * States: `joining` (sending `join` until welcomed; gives up after
 * `joinTimeout`) → `connected` → `reconnecting` (after the server closed,
 * forgot us, stopped answering or stopped acknowledging; rejoins with the same
 * nickname until it succeeds) → `connected` … → `closed` (left, refused or
 * unreachable).
 *
 * Requests (messages, actions, private messages, renames, `who`, `leave`)
 * travel on the client's reliable stream; room events arrive on the server's
 * and are shown once each, in `seq` order, even across reconnects. A message
 * is `delivered` when the server acknowledges it, `failed` when it was sent
 * and not acknowledged within `failAfter` (or was still queued when the client
 * had to stop).
 *
 * Drive it with the user's calls, {@linkcode Session.receive} and
 * {@linkcode Session.tick}; then take datagrams and events from
 * {@linkcode Session.poll} and call `tick` again at {@linkcode Session.deadline}.
 *
 * @module
 */

import {
  type Address,
  type ClientFrame,
  type ClientRequest,
  encodeFrame,
  FrameError,
  isFrom,
  MAX_TEXT_BYTES,
  type ServerEvent,
  type ServerFrame,
  type Transmit,
  utf8Length,
} from "./frame.ts";
import { decodeServerFrame } from "./decode.ts";
import { validateNick } from "./nick.ts";
import { Assembler, splitPayload } from "./parts.ts";
import { type StreamOptions, StreamReceiver, StreamSender } from "./stream.ts";

/** Settings of a {@linkcode Session}. */
export interface SessionOptions {
  /** The server's address. */
  server: Address;
  /** The nickname to ask for. */
  nick: string;
  /** Give up if the first join is not answered within this, in ms. @default {5000} */
  joinTimeout?: number;
  /** A sent message not acknowledged within this has failed and the connection is renewed, in ms. @default {5000} */
  failAfter?: number;
  /** Silence from the server this long means it is gone, in ms. @default {8000} */
  lostAfter?: number;
  /** Longest wait, on leaving, for the server to acknowledge what was sent, in ms. @default {5000} */
  leaveTimeout?: number;
  /** Window and timers of the client's stream. */
  stream?: StreamOptions;
  /** Source of randomness for session tokens; replace it for deterministic tests. @default {Math.random} */
  random?: () => number;
}

/** The session's connection state. */
export type SessionState = "joining" | "connected" | "reconnecting" | "closed";

/** Something the user should see. Room and stream events keep the server's shape. */
export type SessionEvent =
  | ServerEvent
  | {
    type: "connected";
    nick: string;
    requested: string;
    room: string;
    members: number;
    reconnected: boolean;
  }
  | { type: "refused"; code: string; reason: string }
  | { type: "unreachable"; after: number }
  | { type: "reconnecting"; reason: string }
  | { type: "pending"; id: number; text: string }
  | { type: "delivered"; id: number }
  | { type: "failed"; id: number; text: string; reason: string }
  | { type: "left"; sent: number; retransmitted: number };

type Body = DistributiveOmit<ClientRequest, "n">;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A message of mine not yet known to be delivered. */
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

/** A request waiting for the stream, with the local message id it completes, if any. */
interface Outgoing {
  body: Body;
  /** Local id of the message this part belongs to. */
  message?: number;
  /** Set on the last part of a message: acknowledging it delivers the message. */
  last?: boolean;
}

const JOIN_RETRY = 500;
const REJOIN_RETRY = 1000;

/**
 * The client's state machine.
 *
 * @example Usage
 * ```ts
 * import { Session } from "./session.ts";
 * import { equal } from "node:assert/strict";
 *
 * const server = { hostname: "127.0.0.1", port: 9999 };
 * const session = new Session({ server, nick: "alice" }, 0);
 * const [join] = session.poll().transmits;
 * equal(JSON.parse(new TextDecoder().decode(join.data)).type, "join");
 * equal(session.state, "joining");
 * ```
 */
export class Session {
  readonly #server: Address;
  readonly #requested: string;
  readonly #joinTimeout: number;
  readonly #failAfter: number;
  readonly #lostAfter: number;
  readonly #leaveTimeout: number;
  readonly #streamOptions: StreamOptions;
  readonly #random: () => number;
  readonly #client: string;
  #state: SessionState = "joining";
  #nick: string;
  #room = "";
  #epoch: string | undefined;
  #token = "";
  #heartbeat = 2000;
  #startedAt: number;
  #lastJoinAt = -Infinity;
  #lastHeard = 0;
  #lastSent = 0;
  #rtt: number | undefined;
  #lastSeq = 0;
  #everConnected = false;
  #leaveBy: number | undefined;
  #leaveN: number | undefined;
  #messages = 0;
  /** My messages not yet known to be delivered, by local id. */
  #pending = new Map<number, PendingMessage>();
  /** Local ids of pending messages by wire id, to recognise them in the room. */
  #byWire = new Map<string, number>();
  #queue: Outgoing[] = [];
  #out = new StreamSender<Outgoing>();
  #in = new StreamReceiver<ServerEvent>();
  #assembler = new Assembler<ServerEvent>();
  #transmits: Transmit[] = [];
  #events: SessionEvent[] = [];
  /** Datagrams from the server that could not be decoded. */
  dropped = 0;
  /** Requests sent on the client's streams, and how many were sent again. */
  readonly counters = { sent: 0, retransmitted: 0 };

  /**
   * Starts joining.
   *
   * @param options Nickname and timers.
   * @param now The current time in ms.
   * @throws {RangeError} If the nickname is invalid.
   */
  constructor(options: SessionOptions, now: number) {
    const {
      server,
      nick,
      joinTimeout = 5000,
      failAfter = 5000,
      lostAfter = 8000,
      leaveTimeout = 5000,
      stream = {},
      random = Math.random,
    } = options;
    this.#server = server;
    this.#requested = this.#nick = validateNick(nick);
    this.#joinTimeout = joinTimeout;
    this.#failAfter = failAfter;
    this.#lostAfter = lostAfter;
    this.#leaveTimeout = leaveTimeout;
    this.#streamOptions = { ...stream, counters: this.counters };
    this.#random = random;
    this.#client = this.#randomToken();
    this.#startedAt = now;
    this.#startJoin(now);
  }

  /** The connection state. */
  get state(): SessionState {
    return this.#state;
  }

  /** My nickname as the server knows it. */
  get nick(): string {
    return this.#nick;
  }

  /** The room's name, once connected. */
  get room(): string {
    return this.#room;
  }

  /** Round-trip time to the server in ms, once measured. */
  get rtt(): number | undefined {
    return this.#rtt ?? this.#out.rtt;
  }

  /** Messages sent or queued and not yet acknowledged. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Sends a chat message.
   *
   * @param text The message.
   * @param now The current time in ms.
   * @returns The message's local id, which `delivered` and `failed` events name.
   * @throws {RangeError} If the text is empty or too long.
   */
  say(text: string, now: number): number {
    return this.#message({ type: "msg", text }, now);
  }

  /**
   * Sends an action (`/me waves`).
   *
   * @param text What the user does.
   * @param now The current time in ms.
   * @returns The message's local id.
   * @throws {RangeError} If the text is empty or too long.
   */
  act(text: string, now: number): number {
    return this.#message({ type: "action", text }, now);
  }

  /**
   * Sends a private message.
   *
   * @param to The recipient's nickname.
   * @param text The message.
   * @param now The current time in ms.
   * @returns The message's local id.
   * @throws {RangeError} If the text is empty or too long.
   */
  pm(to: string, text: string, now: number): number {
    return this.#message({ type: "pm", to, text }, now);
  }

  /**
   * Asks for a new nickname.
   *
   * @param nick The nickname wanted.
   * @param now The current time in ms.
   * @throws {RangeError} If the nickname is invalid.
   */
  rename(nick: string, now: number): void {
    this.#request({ body: { type: "rename", nick: validateNick(nick) } }, now);
  }

  /**
   * Asks for the member list; it arrives as a `members` event.
   *
   * @param now The current time in ms.
   */
  who(now: number): void {
    this.#request({ body: { type: "who" } }, now);
  }

  /**
   * Leaves once everything sent is acknowledged, or after `leaveTimeout`.
   *
   * @param now The current time in ms.
   */
  leave(now: number): void {
    if (this.#state === "closed" || this.#leaveBy !== undefined) return;
    this.#leaveBy = now + this.#leaveTimeout;
    if (this.#state === "connected") this.#pushLeave(now);
  }

  /**
   * Handles one datagram.
   *
   * @param data The datagram; it is not retained.
   * @param from Its source: anything but the server is ignored.
   * @param now The current time in ms.
   */
  receive(data: Uint8Array, from: Address, now: number): void {
    if (this.#state === "closed") return;
    if (!isFrom(from, this.#server)) {
      this.dropped++;
      return;
    }
    let frame;
    try {
      frame = decodeServerFrame(data);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.dropped++;
      return;
    }
    this.#lastHeard = now;
    if ("n" in frame && frame.type !== "ack") {
      if (this.#state !== "connected") return; // not ours yet: the server will resend
      const { n: _n, ...event } = frame;
      const ready = this.#in.receive(frame.n, event as ServerEvent, now);
      this.#sendAck(now);
      for (const part of ready ?? []) this.#deliver(part);
      return;
    }
    switch (frame.type) {
      case "welcome":
        return this.#welcome(frame, now);
      case "refused":
        if (this.#state === "connected") return;
        this.#events.push({ type: "refused", code: frame.code, reason: frame.reason });
        return this.#close("refused");
      case "ack":
        return this.#acked(frame.n, frame.sack, now);
      case "pong":
        this.#rtt = Math.max(0, now - frame.t);
        return;
      case "closing":
        return this.#reconnect("the server is closing", now);
      case "error":
        if (frame.code === "not-joined") {
          return this.#reconnect("the server lost our membership", now);
        }
        this.#events.push({ type: "error", code: frame.code, message: frame.message });
    }
  }

  /**
   * Retransmits, sends heartbeats and notices silence.
   *
   * @param now The current time in ms.
   */
  tick(now: number): void {
    switch (this.#state) {
      case "closed":
        return;
      case "joining":
        if (now - this.#startedAt >= this.#joinTimeout) {
          this.#events.push({ type: "unreachable", after: now - this.#startedAt });
          return this.#close("unreachable");
        }
        if (now - this.#lastJoinAt >= JOIN_RETRY) this.#sendJoin(now);
        return;
      case "reconnecting":
        if (this.#leaveBy !== undefined && now >= this.#leaveBy) return this.#close("left");
        for (const [id, message] of this.#pending) {
          if (now >= message.since + this.#failAfter) {
            this.#report(id, "the server is not answering");
          }
        }
        if (now - this.#lastJoinAt >= REJOIN_RETRY) this.#sendJoin(now);
        return;
      case "connected":
        if (this.#leaveBy !== undefined && now >= this.#leaveBy) return this.#close("left");
        if (now - this.#lastHeard >= this.#lostAfter) {
          return this.#reconnect("no answer from the server", now);
        }
        if (now >= (this.#out.oldestSentAt() ?? Infinity) + this.#failAfter) {
          return this.#reconnect("the server stopped acknowledging", now);
        }
        this.#sendAck(now);
        this.#flush(now);
        if (now >= this.#nextPing()) {
          this.#send(encodeFrame({ type: "ping", t: now }), now);
        }
    }
  }

  /**
   * Takes what the session wants sent to the server and shown to the user.
   *
   * @returns Datagrams for the server, in order, and events.
   */
  poll(): { transmits: Transmit[]; events: SessionEvent[] } {
    const out = { transmits: this.#transmits, events: this.#events };
    this.#transmits = [];
    this.#events = [];
    return out;
  }

  /**
   * When {@linkcode Session.tick} should next run.
   *
   * @returns A time in ms, or `undefined` once closed.
   */
  deadline(): number | undefined {
    const times: Array<number | undefined> = [];
    if (this.#state !== "joining") times.push(this.#leaveBy);
    switch (this.#state) {
      case "closed":
        return undefined;
      case "joining":
        times.push(this.#startedAt + this.#joinTimeout, this.#lastJoinAt + JOIN_RETRY);
        break;
      case "reconnecting":
        times.push(this.#lastJoinAt + REJOIN_RETRY, this.#nextReport());
        break;
      case "connected": {
        const oldest = this.#out.oldestSentAt();
        times.push(
          this.#lastHeard + this.#lostAfter,
          this.#nextPing(),
          this.#out.deadline(),
          this.#in.ackDeadline(),
          oldest === undefined ? undefined : oldest + this.#failAfter,
        );
      }
    }
    return Math.min(...times.filter((t): t is number => t !== undefined));
  }

  /** Heartbeats every `heartbeat` ms when idle, four times as often while an answer is overdue. */
  #nextPing(): number {
    const next = this.#lastSent + this.#heartbeat;
    const overdue = this.#lastHeard + this.#heartbeat;
    return overdue < next ? Math.max(this.#lastSent + this.#heartbeat / 4, overdue) : next;
  }

  #message(body: Extract<Body, { text: string }>, now: number): number {
    if (body.text.trim() === "") throw new RangeError("Cannot send an empty message");
    const size = utf8Length(body.text);
    if (size > MAX_TEXT_BYTES) {
      throw new RangeError(
        `Cannot send message as it is ${size} bytes: the limit is ${MAX_TEXT_BYTES}`,
      );
    }
    this.#assertOpen();
    const id = ++this.#messages;
    const wire = `${this.#client}-${id}`;
    const parts = splitPayload<Body>({ ...body, id: wire }).map((part, i, all) => ({
      body: part,
      message: id,
      last: i === all.length - 1,
    }));
    this.#pending.set(id, { text: body.text, wire, parts, since: now, reported: false });
    this.#byWire.set(wire, id);
    this.#events.push({ type: "pending", id, text: body.text });
    for (const part of parts) this.#request(part, now);
    return id;
  }

  /** Requests are refused once leaving has begun: the leave must stay the last one. */
  #assertOpen(): void {
    if (this.#state === "closed" || this.#leaveBy !== undefined) {
      throw new RangeError("Cannot send as the session is leaving");
    }
  }

  #request(outgoing: Outgoing, now: number): void {
    this.#assertOpen();
    if (this.#state !== "connected") {
      this.#queue.push(outgoing);
      return;
    }
    this.#out.push(outgoing);
    this.#flush(now);
  }

  #sendAck(now: number): void {
    const ack = this.#in.takeAck(now);
    if (ack) this.#send(encodeFrame({ type: "ack", ...ack }), now);
  }

  #flush(now: number): void {
    for (const [n, outgoing] of this.#out.transmit(now)) {
      this.#send(encodeFrame({ ...outgoing.body, n } as ClientFrame), now);
    }
  }

  #pushLeave(now: number): void {
    this.#leaveN = this.#out.push({ body: { type: "leave" } });
    this.#flush(now);
  }

  #deliver(part: ServerEvent): void {
    let event;
    try {
      event = this.#assembler.add(part);
    } catch {
      this.dropped++;
      return;
    }
    if (event === undefined) return;
    if ("seq" in event) {
      if (event.seq <= this.#lastSeq) return; // already shown before reconnecting
      this.#lastSeq = event.seq;
      if (event.type === "rename" && event.from === this.#nick) this.#nick = event.nick;
    }
    if ("id" in event && event.id !== undefined) {
      // Seeing my message in the room proves delivery, even if its ack was lost.
      const id = this.#byWire.get(event.id);
      if (id !== undefined) this.#delivered(id);
    }
    this.#events.push(event);
  }

  #welcome(frame: Extract<ServerFrame, { type: "welcome" }>, now: number): void {
    if (this.#state === "connected" || this.#state === "closed" || frame.session !== this.#token) {
      return;
    }
    this.#state = "connected";
    this.#nick = frame.nick;
    this.#room = frame.room;
    this.#heartbeat = frame.heartbeat;
    // A server that restarted without its transcript numbers events afresh.
    if (frame.epoch !== this.#epoch) this.#lastSeq = 0;
    this.#epoch = frame.epoch;
    this.#events.push({
      type: "connected",
      nick: frame.nick,
      requested: this.#requested,
      room: frame.room,
      members: frame.members,
      reconnected: this.#everConnected,
    });
    this.#everConnected = true;
    for (const outgoing of this.#queue) this.#out.push(outgoing);
    this.#queue = [];
    if (this.#leaveBy !== undefined) {
      this.#leaveBy = Math.max(this.#leaveBy, now + this.#leaveTimeout);
      this.#pushLeave(now);
    }
    this.#flush(now);
  }

  #acked(n: number, sack: readonly number[], now: number): void {
    const acked = this.#out.ack(n, sack, now);
    if (acked === undefined) return;
    for (const [, outgoing] of acked) {
      if (outgoing.last) this.#delivered(outgoing.message!);
    }
    // The leave is the last request: once nothing is unacknowledged, the server has handled it.
    if (this.#leaveN !== undefined && this.#out.unacked === 0) return this.#close("left");
    this.#flush(now);
  }

  /**
   * Starts over with a new stream. Messages sent and not acknowledged are
   * reported as not delivered, and sent again whole after rejoining: the
   * server relays each message id once, so none can appear twice.
   */
  #reconnect(reason: string, now: number): void {
    if (this.#state !== "connected") return;
    if (this.#leaveBy !== undefined) return this.#close("left");
    const resend: Outgoing[] = [];
    const requeued = new Set<number>();
    for (const { payload, sent } of this.#out.drain()) {
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
    this.#queue = [...resend, ...this.#queue];
    for (const message of this.#pending.values()) message.since = Math.max(message.since, now);
    this.#state = "reconnecting";
    this.#events.push({ type: "reconnecting", reason });
    this.#startJoin(now);
  }

  #delivered(id: number): void {
    const message = this.#pending.get(id);
    if (message === undefined) return;
    this.#pending.delete(id);
    this.#byWire.delete(message.wire);
    this.#events.push({ type: "delivered", id });
  }

  /** Reports a message as not delivered (once); it stays queued while the session lives. */
  #report(id: number, reason: string): void {
    const message = this.#pending.get(id);
    if (message === undefined || message.reported) return;
    message.reported = true;
    this.#events.push({ type: "failed", id, text: message.text, reason });
  }

  /** The first time a message queued while reconnecting has waited `failAfter`. */
  #nextReport(): number | undefined {
    let soonest: number | undefined;
    for (const message of this.#pending.values()) {
      if (!message.reported) {
        soonest = Math.min(soonest ?? Infinity, message.since + this.#failAfter);
      }
    }
    return soonest;
  }

  #close(why: "left" | "refused" | "unreachable"): void {
    const reason = why === "left" ? "still unacknowledged on leaving" : why;
    for (const id of this.#pending.keys()) this.#report(id, reason);
    this.#pending.clear();
    this.#byWire.clear();
    this.#out.drain();
    this.#queue = [];
    this.#state = "closed";
    if (why === "left") this.#events.push({ type: "left", ...this.counters });
  }

  #startJoin(now: number): void {
    this.#token = this.#randomToken();
    this.#out = new StreamSender(this.#streamOptions);
    this.#in = new StreamReceiver();
    this.#assembler = new Assembler();
    this.#leaveN = undefined;
    this.#sendJoin(now);
  }

  #sendJoin(now: number): void {
    this.#lastJoinAt = now;
    const last = this.#epoch === undefined ? {} : { epoch: this.#epoch, last: this.#lastSeq };
    this.#send(encodeFrame({ type: "join", nick: this.#nick, session: this.#token, ...last }), now);
  }

  #send(data: Uint8Array, now: number): void {
    this.#transmits.push({ to: this.#server, data });
    this.#lastSent = now;
  }

  #randomToken(): string {
    return Math.floor(this.#random() * 2 ** 48).toString(36);
  }
}
