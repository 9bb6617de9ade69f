/**
 * A client's membership of a room, without any I/O.
 *
 * States: `joining` (sending `join` until welcomed; gives up after
 * `joinTimeout`) → `connected` → `reconnecting` (after the server closed,
 * forgot us, stopped answering or stopped acknowledging; rejoins with the same
 * nickname until it succeeds) → `connected` … → `closed` (left, refused or
 * unreachable).
 *
 * Joining is a handshake: `join` (padded, so no answer to it is larger), the
 * server's `retry` with a cookie, `join` again with it (and, in a room with a
 * password, a proof of it), then `welcome` with the session's token. From
 * there the session trusts only frames with its token (sealed, with a
 * password); before it, only frames echoing its session nonce. So nobody off
 * the path between client and server can show it a message, rename, close or
 * refuse it; an unauthenticated `not-joined` only makes it check at once that
 * the server still answers.
 *
 * Requests (messages, actions, private messages, renames, `who`, `leave`)
 * travel on the client's reliable stream; room events arrive on the server's
 * and are shown once each, in `seq` order, even across reconnects. Delivery
 * status is the {@linkcode Outbox}'s. The session owns the member list: the
 * roster that follows every welcome, kept current by joins, leaves and renames.
 * Liveness is the {@linkcode Heartbeat}'s. Its timers are one table per state
 * (`deadlines.ts`).
 *
 * Drive it with the user's calls, {@linkcode Session.receive} and
 * {@linkcode Session.tick}; then take datagrams and events from
 * {@linkcode Session.poll} and call `tick` again at {@linkcode Session.deadline}.
 *
 * @module
 */

import { type Address, isFrom, type Transmit } from "./address.ts";
import { base64url, secureRandom } from "./crypto.ts";
import { fireDue, nextDeadline, type Timer } from "./deadlines.ts";
import { bundledEvents, decodeServerFrame } from "./decode.ts";
import type { Envelope } from "./envelope.ts";
import {
  type BundleFrame,
  completesRequest,
  type EntryLayout,
  MAX_TEXT_BYTES,
  type ServerEvent,
  type ServerFrame,
  utf8Length,
} from "./frame.ts";
import { FrameError } from "./frame_error.ts";
import { ClientHandshake, type ClientSessionFrame } from "./handshake.ts";
import { Heartbeat } from "./heartbeat.ts";
import { type Machine, Output } from "./machine.ts";
import { validateNick } from "./nick.ts";
import { after, firstSeq } from "./notices.ts";
import { type DeliveryEvent, Outbox, type Outgoing, type RequestBody } from "./outbox.ts";
import { Pacer } from "./pacer.ts";
import { roomBurst } from "./rate_limit.ts";
import type { TraceNotes } from "./trace.ts";
import { Roster } from "./roster.ts";
import { type StreamCounters, streamCounters, type StreamOptions } from "./stream.ts";
import { StreamPair } from "./stream_pair.ts";

const utf8 = new TextEncoder();

/** A request as stream frame `n` (a client sends few: encoded as it is written). */
const REQUEST_ENTRY: EntryLayout<Outgoing> = {
  size: (n, outgoing) => utf8Length(JSON.stringify({ n, ...outgoing.body })),
  write: (n, outgoing, out, at) => {
    utf8.encodeInto(JSON.stringify({ n, ...outgoing.body }), out.subarray(at));
  },
};

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
  /** Silence from the server this long means it is gone, in ms; never longer than the server's own timeout. @default {8000} */
  lostAfter?: number;
  /** Longest wait, on leaving, for the server to acknowledge what was sent, in ms. @default {5000} */
  leaveTimeout?: number;
  /** Window and timers of the client's stream. */
  stream?: StreamOptions;
  /** The room password, if the room has one. */
  password?: string;
  /** Source of secure random bytes for session nonces; replace it for deterministic tests. */
  randomBytes?: (count: number) => Uint8Array;
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
  | DeliveryEvent
  | { type: "slow"; waiting: number; rate: number }
  | { type: "removed"; action: string; text?: string; minutes?: number }
  | { type: "left"; sent: number; retransmitted: number };

const JOIN_RETRY = 500;
const REJOIN_RETRY = 1000;
/** How late a timer may fire before the client concludes its computer was asleep, in ms. */
const SLEPT_AFTER = 5000;

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
export class Session implements Machine<SessionEvent> {
  readonly #server: Address;
  #requested: string;
  readonly #joinTimeout: number;
  readonly #failAfter: number;
  readonly #heartbeat: Heartbeat;
  readonly #leaveTimeout: number;
  readonly #handshake: ClientHandshake;
  readonly #outbox: Outbox;
  readonly #timers: Record<SessionState, Timer[]>;
  #state: SessionState = "joining";
  #nick: string;
  #room = "";
  #epoch: string | undefined;
  /** The connected session's token and keys; `undefined` until welcomed. */
  #envelope: Envelope<ClientSessionFrame> | undefined;
  /** The highest room `seq` the server may send next is one above this. */
  #seqLimit = 0;
  #startedAt: number;
  #lastJoinAt = -Infinity;
  #lastSeq = 0;
  #everConnected = false;
  /** Whether a rejoin refused for the server's full disk has been reported. */
  #toldCannotSave = false;
  #leaveBy: number | undefined;
  #leaveN: number | undefined;
  readonly #roster = new Roster();
  #queue: Outgoing[] = [];
  /** Requests over the room's rate, waiting for the allowance, in order. */
  readonly #pacer = new Pacer<Outgoing>((outgoing) => completesRequest(outgoing.body));
  #topic = "";
  readonly #streams: StreamPair<Outgoing, ServerEvent>;
  readonly #output = new Output<SessionEvent>();
  /** Where `--trace` is told what frames are, when it is on. */
  readonly #notes: TraceNotes | undefined;
  /** Datagrams from the server that could not be decoded. */
  dropped = 0;
  /** Frames ignored because they did not prove they belong to this session. */
  forged = 0;
  /** Requests sent on the client's streams, and how many were sent again. */
  readonly counters: StreamCounters = streamCounters();

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
      password,
      randomBytes = secureRandom,
    } = options;
    this.#server = server;
    this.#requested = this.#nick = validateNick(nick);
    this.#joinTimeout = joinTimeout;
    this.#failAfter = failAfter;
    this.#heartbeat = new Heartbeat(lostAfter);
    this.#leaveTimeout = leaveTimeout;
    this.#handshake = new ClientHandshake(password, randomBytes);
    this.#outbox = new Outbox(base64url(randomBytes(6)), (event) => this.#output.report(event));
    this.#notes = stream.notes;
    // The envelope comes with the welcome, before anything goes on the stream.
    const envelope = () => this.#envelope!;
    this.#streams = new StreamPair({ ...stream, counters: this.counters }, {
      entry: REQUEST_ENTRY,
      get packer() {
        return envelope();
      },
      ack: (ack) => envelope().wrap({ type: "ack", ...ack }),
    }, (data, now) => this.#send(data, now));
    this.#timers = this.#timerTable();
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

  /** The room's members as last known, in alphabetical order. */
  get members(): string[] {
    return this.#roster.names;
  }

  /** Round-trip time to the server in ms, once measured. */
  get rtt(): number | undefined {
    return this.#heartbeat.rtt ?? this.#streams.rtt;
  }

  /** Messages sent or queued and not yet acknowledged. */
  get pending(): number {
    return this.#outbox.size;
  }

  /** The room's topic, as the teacher set it. */
  get topic(): string {
    return this.#topic;
  }

  /** Requests held back by the room's rate, waiting to be sent. */
  get waiting(): number {
    return this.#pacer.waiting;
  }

  /**
   * Sends a chat message.
   *
   * @param text The message.
   * @param now The current time in ms.
   * @throws {RangeError} If the text is empty or too long.
   */
  say(text: string, now: number): void {
    this.#message({ type: "msg", text }, now);
  }

  /**
   * Sends an action (`/me waves`).
   *
   * @param text What the user does.
   * @param now The current time in ms.
   * @throws {RangeError} If the text is empty or too long.
   */
  act(text: string, now: number): void {
    this.#message({ type: "action", text }, now);
  }

  /**
   * Sends a private message.
   *
   * @param to The recipient's nickname.
   * @param text The message.
   * @param now The current time in ms.
   * @throws {RangeError} If the text is empty or too long.
   */
  pm(to: string, text: string, now: number): void {
    this.#message({ type: "pm", to, text }, now);
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
   * Leaves once every message sent has come back from the room (so a piped
   * client has shown its own words, and everything before them) and the
   * leave is acknowledged, or after `leaveTimeout`.
   *
   * @param now The current time in ms.
   */
  leave(now: number): void {
    if (this.#state === "closed" || this.#leaveBy !== undefined) return;
    this.#leaveBy = now + this.#leaveTimeout;
    this.#leaveWhenEchoed(now);
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
    const frame = this.#decode(() => decodeServerFrame(data));
    if (frame === undefined) return;
    switch (frame.type) {
      case "retry":
      case "welcome":
      case "refused":
        // Before welcome, the server's answers prove themselves by echoing this join's nonce.
        if (this.#state === "connected" || !this.#handshake.answers(frame.session)) {
          this.forged++;
          return;
        }
        this.#heartbeat.heard(now);
        if (frame.type === "retry") return this.#retry(frame, now);
        if (frame.type === "welcome") return this.#welcome(frame, now);
        if (frame.code === "cannot-save" && this.#state === "reconnecting") {
          // The server's disk is full for now: keep rejoining (the timer does), say so once.
          if (!this.#toldCannotSave) {
            this.#output.report({ type: "error", code: frame.code, message: frame.reason });
          }
          this.#toldCannotSave = true;
          return;
        }
        this.#output.report({ type: "refused", code: frame.code, reason: frame.reason });
        return this.#close("refused");
      case "error":
        if (frame.token === undefined) {
          // Unauthenticated: anyone may have sent it. Check at once that the server still answers.
          if (frame.code === "not-joined" && this.#state === "connected") {
            this.#heartbeat.doubt(now);
          }
          return;
        }
    }
    const checked = this.#envelope?.check(frame, decodeInner);
    if (checked === undefined) {
      this.forged++;
      return;
    }
    this.#heartbeat.heard(now);
    if ("n" in checked && checked.type !== "ack") {
      const { n: _n, token: _token, ...event } = checked;
      const ready = this.#streams.receive(checked.n, event as ServerEvent, now);
      for (const part of ready ?? []) this.#deliver(part, now);
      return;
    }
    if (checked.type === "bundle") return this.#receiveBundle(checked, now);
    switch (checked.type) {
      case "ack":
        return this.#acked(checked.n, checked.sack ?? [], now);
      case "pong":
        return this.#heartbeat.pong(checked.t, now, {
          interval: checked.heartbeat,
          next: checked.next,
        });
      case "closing":
        return this.#reconnect("the server is closing", now);
      case "removed": {
        // The teacher removed us: say why and stop, rather than rejoin in a loop.
        const { action, text, minutes } = checked;
        this.#output.report({
          type: "removed",
          action,
          ...(text === undefined ? {} : { text }),
          ...(minutes === undefined ? {} : { minutes }),
        });
        return this.#close("removed");
      }
      case "error":
        this.#output.report({ type: "error", code: checked.code, message: checked.message });
    }
  }

  /** Runs a decoder; what is not a valid frame is counted as dropped. */
  #decode<T>(decode: () => T): T | undefined {
    try {
      return decode();
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.dropped++;
      return undefined;
    }
  }

  /** Takes a bundle's events off the stream in order, then acknowledges them all at once. */
  #receiveBundle(bundle: Pick<BundleFrame, "frames">, now: number): void {
    const events = this.#decode(() => bundledEvents(bundle));
    if (events === undefined) return;
    for (const { n, ...event } of events) {
      const ready = this.#streams.receive(n, event as ServerEvent, now, false);
      for (const part of ready ?? []) {
        this.#deliver(part, now);
        if (this.#state === "closed") return;
      }
    }
    this.#streams.sendAck(now);
  }

  /**
   * Fires the timers that are due: retransmissions, heartbeats, giving up.
   *
   * @param now The current time in ms.
   */
  tick(now: number): void {
    const state = this.#state;
    fireDue(this.#timers[state], now, () => this.#state !== state);
  }

  /**
   * Takes what the session wants sent to the server and shown to the user.
   *
   * @returns Datagrams for the server, in order, and events.
   */
  poll(): { transmits: readonly Transmit[]; events: readonly SessionEvent[] } {
    this.#streams.flushPending(); // what this turn queued, packed into as few datagrams as fit
    return this.#output.take();
  }

  /**
   * When {@linkcode Session.tick} should next run.
   *
   * @returns A time in ms, or `undefined` once closed.
   */
  deadline(): number | undefined {
    return nextDeadline(this.#timers[this.#state]);
  }

  /** Every timer, per state, in the order their work must happen. */
  #timerTable(): Record<SessionState, Timer[]> {
    const leaveBy: Timer = {
      name: "leave-by",
      // Messages still waiting for the room's rate go first: they are not late, only paced.
      at: () => this.#pacer.waiting > 0 ? undefined : this.#leaveBy,
      fire: () => this.#close("left"),
    };
    const giveUp: Timer = {
      name: "give-up",
      at: () => this.#startedAt + this.#joinTimeout,
      fire: (now) => {
        this.#output.report({ type: "unreachable", after: now - this.#startedAt });
        this.#close("unreachable");
      },
    };
    const retryJoin = (name: string, every: number): Timer => ({
      name,
      at: () => this.#lastJoinAt + every,
      fire: (now) => this.#sendJoin(now),
    });
    return {
      closed: [],
      joining: [giveUp, retryJoin("retry-join", JOIN_RETRY)],
      reconnecting: [
        leaveBy,
        {
          name: "report-failed",
          at: () => this.#outbox.nextOverdue(this.#failAfter),
          fire: (now) =>
            this.#outbox.reportOverdue(now, this.#failAfter, "the server is not answering"),
        },
        retryJoin("rejoin", REJOIN_RETRY),
      ],
      connected: [
        leaveBy,
        {
          name: "server-silent",
          at: () => this.#heartbeat.lostAt(),
          fire: (now) =>
            this.#connectionLost("no answer from the server", this.#heartbeat.lostAt(), now),
        },
        {
          name: "unacknowledged",
          at: () => {
            const oldest = this.#streams.oldestSentAt();
            return oldest === undefined ? undefined : oldest + this.#failAfter;
          },
          fire: (now) =>
            this.#connectionLost(
              "the server stopped acknowledging",
              this.#streams.oldestSentAt()! + this.#failAfter,
              now,
            ),
        },
        ...this.#streams.timers,
        {
          name: "pace",
          at: () => this.#pacer.readyAt(),
          fire: (now) => this.#release(now),
        },
        {
          name: "ping",
          at: () => this.#heartbeat.nextPing(),
          fire: (now) => this.#send(this.#envelope!.wrap({ type: "ping", t: now }), now),
        },
      ],
    };
  }

  #message(body: Extract<RequestBody, { text: string }>, now: number): void {
    if (body.text.trim() === "") throw new RangeError("Cannot send an empty message");
    const size = utf8Length(body.text);
    if (size > MAX_TEXT_BYTES) {
      throw new RangeError(
        `Cannot send message as it is ${size} bytes: the limit is ${MAX_TEXT_BYTES}`,
      );
    }
    this.#assertOpen();
    for (const part of this.#outbox.add(body, now)) this.#request(part, now);
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
    this.#pace(outgoing, now);
  }

  /**
   * Sends a request now if the room's rate allows, else holds it back in
   * order (the server would not take it). The parts of a long message count once.
   */
  #pace(outgoing: Outgoing, now: number): void {
    if (!this.#pacer.offer(outgoing, now)) {
      if (this.#pacer.waiting === 1) {
        this.#output.report({ type: "slow", waiting: 1, rate: this.#pacer.rate });
      }
      return;
    }
    this.#push(outgoing, now);
    this.#streams.flushLater(now);
  }

  /** Sends what the allowance lets through now. */
  #release(now: number): void {
    for (const outgoing of this.#pacer.release(now)) this.#push(outgoing, now);
    this.#streams.flushLater(now);
  }

  #push(outgoing: Outgoing, now: number): void {
    const n = this.#streams.push(outgoing);
    if (outgoing.body.type === "leave") this.#leaveN = n;
    // What waited for the room's rate has been sent: the wait for its echo and its
    // acknowledgement starts now.
    if (this.#leaveBy !== undefined) {
      this.#leaveBy = Math.max(this.#leaveBy, now + this.#leaveTimeout);
    }
  }

  #pushLeave(now: number): void {
    this.#pace({ body: { type: "leave" } }, now);
  }

  /** Pushes the pending leave once nothing I sent is still to come back from the room. */
  #leaveWhenEchoed(now: number): void {
    if (this.#state !== "connected" || this.#leaveBy === undefined) return;
    if (this.#leaveN !== undefined || this.#outbox.unechoed > 0) return;
    if (this.#pacer.holds((outgoing) => outgoing.body.type === "leave")) return;
    this.#pushLeave(now);
  }

  #deliver(part: ServerEvent, now: number): void {
    let event;
    try {
      event = this.#streams.assemble(part);
    } catch {
      this.dropped++;
      return;
    }
    if (event === undefined) return;
    if ("seq" in event) {
      // Room events come in order, one `seq` at a time after the welcome's: no leaps ahead.
      // A group of joins or leaves stands for a run of them, from its first seq.
      const group = event.type === "joins" || event.type === "leaves" ? event : undefined;
      if ((group ? firstSeq(group) : event.seq) > this.#seqLimit + 1) {
        this.forged++;
        return;
      }
      this.#seqLimit = Math.max(this.#seqLimit, event.seq);
      if (event.seq <= this.#lastSeq) return; // already shown before reconnecting
      if (group) event = after(group, this.#lastSeq); // its start came in my history
      this.#lastSeq = event.seq;
      if (event.type === "rename" && event.from === this.#nick) this.#nick = event.nick;
    }
    if (event.type === "error" && event.id !== undefined) {
      // A message of mine refused (muted, the server's disk full): failed, not delivered.
      if (this.#outbox.refused(event.id, event.message)) return this.#leaveWhenEchoed(now);
    } else if ("id" in event && event.id !== undefined) {
      this.#outbox.seen(event.id);
      this.#leaveWhenEchoed(now);
    }
    this.#roster.apply(event);
    if (event.type === "teacher" && !event.history) this.#teacher(event, now);
    if (event.type === "members" && event.roster) return; // sent unasked, for the list only
    this.#output.report(event);
  }

  #retry(frame: Extract<ServerFrame, { type: "retry" }>, now: number): void {
    const refusal = this.#handshake.retry(frame);
    if (refusal === undefined) return this.#sendJoin(now);
    this.#output.report({ type: "refused", code: "bad-password", reason: refusal });
    this.#close("refused");
  }

  /** What the teacher changed that the session itself must follow. */
  #teacher(event: Extract<ServerEvent, { type: "teacher" }>, now: number): void {
    if (event.action === "topic") this.#topic = event.text ?? "";
    if (event.action === "slow" && event.rate !== undefined && event.rate > 0) {
      this.#pacer.retune(event.rate, roomBurst(event.rate), now);
    }
  }

  #welcome(frame: Extract<ServerFrame, { type: "welcome" }>, now: number): void {
    const envelope = this.#handshake.welcome(frame, this.#notes);
    if (envelope === undefined) {
      this.forged++;
      return;
    }
    this.#envelope = envelope;
    this.#toldCannotSave = false;
    this.#seqLimit = frame.seq;
    // The room's rate: the allowance carries over a reconnect, as the server's does.
    this.#pacer.retune(frame.rate, frame.burst, now);
    this.#topic = frame.topic ?? "";
    this.#state = "connected";
    this.#nick = frame.nick;
    this.#room = frame.room;
    this.#heartbeat.welcome(frame.heartbeat, frame.timeout, now);
    this.#roster.reset(frame.nick);
    // A server that restarted without its transcript numbers events afresh; one whose last
    // events never reached its disk numbers on from the last it kept.
    if (frame.epoch !== this.#epoch) this.#lastSeq = 0;
    else this.#lastSeq = Math.min(this.#lastSeq, frame.seq);
    this.#epoch = frame.epoch;
    this.#output.report({
      type: "connected",
      nick: frame.nick,
      requested: this.#requested,
      room: frame.room,
      members: frame.members,
      reconnected: this.#everConnected,
    });
    this.#everConnected = true;
    const queued = this.#queue;
    this.#queue = [];
    for (const outgoing of queued) this.#pace(outgoing, now);
    if (this.#leaveBy !== undefined) {
      this.#leaveBy = Math.max(this.#leaveBy, now + this.#leaveTimeout);
      this.#leaveWhenEchoed(now);
    }
    this.#streams.flushLater(now);
  }

  /** A request the server has acknowledged. */
  readonly #delivered = (outgoing: Outgoing): void => this.#outbox.acked(outgoing);

  #acked(n: number, sack: readonly number[], now: number): void {
    this.#streams.ack(n, sack, now, this.#delivered);
    // The leave is the last request: once nothing is unacknowledged, the server has handled it.
    if (this.#leaveN !== undefined && this.#streams.unacked === 0) this.#close("left");
  }

  /**
   * Reconnects after a silence; a timer that fires long after it was due
   * means this computer slept (a laptop's lid closed), not the server gone.
   */
  #connectionLost(reason: string, due: number, now: number): void {
    this.#reconnect(now - due > SLEPT_AFTER ? "this computer was asleep" : reason, now);
  }

  /**
   * Starts over with a new stream, carrying over what the old one did not
   * get acknowledged (see {@linkcode Outbox.carryOver}).
   */
  #reconnect(reason: string, now: number): void {
    if (this.#state !== "connected") return;
    if (this.#leaveBy !== undefined) return this.#close("left");
    const carried = this.#outbox.carryOver(this.#streams.drain(), now);
    this.#queue = [
      ...carried,
      ...this.#pacer.drain().filter((o) => o.body.type !== "leave"),
      ...this.#queue,
    ];
    this.#state = "reconnecting";
    this.#output.report({ type: "reconnecting", reason });
    this.#startJoin(now);
  }

  #close(why: "left" | "refused" | "unreachable" | "removed"): void {
    this.#outbox.abandon(why === "left" ? "still unacknowledged on leaving" : why);
    this.#streams.drain();
    this.#queue = [];
    this.#pacer.drain();
    this.#state = "closed";
    const { sent, retransmitted } = this.counters;
    if (why === "left") this.#output.report({ type: "left", sent, retransmitted });
  }

  #startJoin(now: number): void {
    // After a /nick, a rejoin asks for the new name: "was taken" compares with what was asked.
    this.#requested = this.#nick;
    this.#handshake.restart();
    this.#envelope = undefined;
    this.#streams.renew();
    this.#leaveN = undefined;
    this.#sendJoin(now);
  }

  #sendJoin(now: number): void {
    this.#lastJoinAt = now;
    const resume = this.#epoch === undefined ? {} : { epoch: this.#epoch, last: this.#lastSeq };
    this.#send(this.#handshake.join(this.#nick, resume), now);
  }

  #send(data: Uint8Array, now: number): void {
    this.#output.send(this.#server, data);
    this.#heartbeat.sent(now);
  }
}

/** The frame inside a sealed one, if it is a frame at all. */
function decodeInner(data: Uint8Array): ServerFrame | undefined {
  try {
    return decodeServerFrame(data);
  } catch {
    return undefined;
  }
}
