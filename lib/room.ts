/**
 * The chat room: membership, ordering and relaying, without any I/O.
 *
 * Rules (docs/PROTOCOL.md has the wire details):
 * - A member is an address. A v1 member joins with a `join` frame and gets a
 *   reliable stream each way; a legacy member is any address that sends plain
 *   text, and gets plain text back, unreliably, as in the original tutorial.
 * - Every room event (message, action, join, leave, rename) gets the next
 *   room-wide `seq` and is queued, encoded once, on every v1 member's stream,
 *   so every member sees the same transcript in the same order.
 * - Requests on a member's stream are handled in stream order, once each.
 * - A member silent for longer than its timeout is removed ("timeout"); one
 *   whose stream backlog overflows is removed ("overload"); a member that has
 *   left is sent nothing more.
 * - Bad datagrams are counted in {@linkcode RoomStats} and, for v1 senders,
 *   answered with a rate-limited `error` frame; they change nothing else.
 *
 * Drive it with {@linkcode Room.receive}, {@linkcode Room.tick} and
 * {@linkcode Room.close}; after each, take what to send and log from
 * {@linkcode Room.poll}, and call `tick` again at {@linkcode Room.deadline}.
 *
 * @module
 */

import {
  type Address,
  addressKey,
  type ClientFrame,
  type ClientRequest,
  EncodedEvent,
  encodeFrame,
  type ErrorCode,
  FrameError,
  type LeaveReason,
  MAX_DATAGRAM,
  type RoomEvent,
  type ServerEvent,
  type Transmit,
} from "./frame.ts";
import { decodeClientDatagram } from "./decode.ts";
import { nickKey, uniqueNick, validateNick } from "./nick.ts";
import { Assembler, splitPayload, splitText } from "./parts.ts";
import { RateLimiter } from "./rate_limit.ts";
import { StreamOptions, StreamReceiver, StreamSender } from "./stream.ts";

/** Settings of a {@linkcode Room}. */
export interface RoomOptions {
  /** Room name shown to members. @default {"udpchat"} */
  name?: string;
  /**
   * Names this room's sequence of `seq` numbers: a room restored from its
   * transcript keeps its epoch, a fresh one gets a new one, so returning
   * clients know whether their last `seq` still means anything.
   * @default {a random string}
   */
  epoch?: string;
  /** A v1 member silent this long is removed, in ms. Must exceed `heartbeat` several times. @default {30000} */
  timeout?: number;
  /** A legacy member silent this long is removed, in ms. @default {600000} */
  legacyTimeout?: number;
  /** How often clients are asked to send a heartbeat when idle, in ms. @default {2000} */
  heartbeat?: number;
  /** Most members at once; further joins are refused. @default {256} */
  maxMembers?: number;
  /** Room events kept for late joiners and reconnecting members. @default {50} */
  history?: number;
  /** Most payloads queued for one member before it is dropped as too slow. @default {8192} */
  maxBacklog?: number;
  /** Window and timers of each member's stream. */
  stream?: StreamOptions;
}

/** A private message, as the server log records it: without its text. */
export interface PmNotice {
  /** Notice type. */
  type: "pm";
  /** Sender. */
  from: string;
  /** Recipient. */
  to: string;
  /** When, in ms since 1970. */
  time: number;
}

/** The server shutting down. */
export interface ClosingNotice {
  /** Notice type. */
  type: "closing";
  /** When, in ms since 1970. */
  time: number;
}

/** One line's worth of server log. */
export interface RoomLogEntry {
  /** What happened. */
  event: RoomEvent | PmNotice | ClosingNotice;
  /** The member's address, on joins. */
  address?: string;
}

/** Counters of what the room received and did; dropped datagrams by reason. */
export interface RoomStats {
  /** Datagrams received. */
  datagrams: number;
  /** Events queued for members (one per member per event). */
  relayed: number;
  /** Stream frames sent to members for the first time. */
  sent: number;
  /** Stream frames sent to members again. */
  retransmitted: number;
  /** Dropped: neither a frame nor text. */
  garbage: number;
  /** Dropped: larger than a datagram may be. */
  oversize: number;
  /** Dropped and answered: malformed, unknown version or type. */
  badFrame: number;
  /** Dropped and answered: a v1 frame from a non-member. */
  notJoined: number;
  /** Ignored: acks for numbers never sent. */
  forgedAck: number;
  /** Dropped: stream frames too far ahead to buffer. */
  tooFarAhead: number;
}

type Request = ClientRequest;

interface Link {
  session: string;
  out: StreamSender<EncodedEvent>;
  in: StreamReceiver<Request>;
  assembler: Assembler<Request>;
}

interface Member {
  key: string;
  address: Address;
  nick: string;
  lastHeard: number;
  /** The v1 streams; `undefined` for a legacy member. */
  link?: Link;
}

const encoder = new TextEncoder();

/**
 * The server's state machine.
 *
 * @example Usage
 * ```ts
 * import { Room } from "./room.ts";
 * import { encodeFrame } from "./frame.ts";
 * import { equal } from "node:assert/strict";
 *
 * const room = new Room({ name: "lab" });
 * const alice = { hostname: "10.0.0.2", port: 5000 };
 * room.receive(encodeFrame({ type: "join", nick: "alice", session: "s1" }), alice, 0);
 * const { transmits } = room.poll();
 * const welcome = JSON.parse(new TextDecoder().decode(transmits[0].data));
 * equal(welcome.type, "welcome");
 * equal(welcome.room, "lab");
 * ```
 */
export class Room {
  readonly #name: string;
  readonly #epoch: string;
  readonly #timeout: number;
  readonly #legacyTimeout: number;
  readonly #heartbeat: number;
  readonly #maxMembers: number;
  readonly #historySize: number;
  readonly #maxBacklog: number;
  readonly #streamOptions: StreamOptions;
  #members = new Map<string, Member>();
  #byNick = new Map<string, Member>();
  #seq = 0;
  #history: RoomEvent[] = [];
  #recentIds = new Set<string>();
  /** Final acks of members that left, repeated if a leave's ack was lost. */
  #departed = new Map<string, { ack: Uint8Array; until: number }>();
  #errors = new RateLimiter({ burst: 5, perSecond: 2 });
  #transmits: Transmit[] = [];
  #log: RoomLogEntry[] = [];
  /** What the room received and dropped. */
  readonly stats: RoomStats = {
    datagrams: 0,
    relayed: 0,
    sent: 0,
    retransmitted: 0,
    garbage: 0,
    oversize: 0,
    badFrame: 0,
    notJoined: 0,
    forgedAck: 0,
    tooFarAhead: 0,
  };

  /**
   * Creates an empty room.
   *
   * @param options Room settings.
   */
  constructor(options: RoomOptions = {}) {
    const {
      name = "udpchat",
      epoch = Math.random().toString(36).slice(2, 10),
      timeout = 30_000,
      legacyTimeout = 600_000,
      heartbeat = 2_000,
      maxMembers = 256,
      history = 50,
      maxBacklog = 8192,
      stream = {},
    } = options;
    if (!(timeout > heartbeat * 2)) {
      throw new RangeError(
        `Cannot create room as 'timeout' must exceed twice the heartbeat (${heartbeat} ms): current value is ${timeout}`,
      );
    }
    this.#name = name;
    this.#epoch = epoch;
    this.#timeout = timeout;
    this.#legacyTimeout = legacyTimeout;
    this.#heartbeat = heartbeat;
    this.#maxMembers = maxMembers;
    this.#historySize = history;
    this.#maxBacklog = maxBacklog;
    this.#streamOptions = { ...stream, counters: this.stats };
  }

  /** Current members' nicknames, in alphabetical order. */
  get members(): string[] {
    return [...this.#byNick.values()].map((m) => m.nick).sort((a, b) => a.localeCompare(b));
  }

  /** The last room sequence number given out. */
  get seq(): number {
    return this.#seq;
  }

  /**
   * Restores history and the sequence counter, e.g. from a transcript file,
   * before the room serves anyone.
   *
   * @param events Room events, oldest first.
   */
  restore(events: readonly RoomEvent[]): void {
    for (const event of events) {
      this.#seq = Math.max(this.#seq, event.seq);
      this.#remember(event);
    }
  }

  /**
   * Handles one datagram.
   *
   * @param data The datagram; it is not retained.
   * @param from Its source.
   * @param now The current time in ms.
   */
  receive(data: Uint8Array, from: Address, now: number): void {
    this.stats.datagrams++;
    const key = addressKey(from);
    let decoded;
    try {
      decoded = decodeClientDatagram(data);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      if (error.code === "garbage") this.stats.garbage++;
      else if (error.code === "oversize") this.stats.oversize++;
      else {
        this.stats.badFrame++;
        this.#error(from, key, error.code, error.message, now);
      }
      return;
    }
    if (decoded.kind === "legacy") return this.#receiveLegacy(decoded.text, from, key, now);
    const frame = decoded.frame;
    if (frame.type === "join") return this.#join(frame, from, key, now);
    const member = this.#members.get(key);
    const departed = this.#departed.get(key);
    if (member === undefined && departed !== undefined && now < departed.until) {
      // Its final ack was lost: repeat it, so the client knows everything arrived.
      return this.#send(from, departed.ack);
    }
    if (member?.link === undefined) {
      this.stats.notJoined++;
      this.#error(
        from,
        key,
        "not-joined",
        "Not a member of this room: send a join frame first",
        now,
      );
      return;
    }
    member.lastHeard = now;
    const link = member.link;
    if (frame.type === "ping") {
      this.#send(from, encodeFrame({ type: "pong", t: frame.t }));
    } else if (frame.type === "ack") {
      if (link.out.ack(frame.n, frame.sack, now) === undefined) this.stats.forgedAck++;
      this.#flush(member, now);
    } else {
      const ready = link.in.receive(frame.n, frame, now);
      if (ready === undefined) this.stats.tooFarAhead++;
      this.#sendAck(member, now);
      for (const request of ready ?? []) {
        if (this.#members.get(key) !== member) break; // it left
        this.#request(member, link, request, now);
      }
    }
  }

  /**
   * Removes silent or overloaded members and retransmits what is due.
   *
   * @param now The current time in ms.
   */
  tick(now: number): void {
    for (const member of [...this.#members.values()]) {
      const limit = member.link ? this.#timeout : this.#legacyTimeout;
      if (now - member.lastHeard > limit) {
        this.#remove(member, "timeout", now);
      } else {
        this.#sendAck(member, now);
        this.#flush(member, now);
      }
    }
  }

  /**
   * Tells every member the server is closing and empties the room.
   *
   * @param now The current time in ms.
   */
  close(now: number): void {
    for (const member of this.#members.values()) {
      this.#send(
        member.address,
        member.link ? encodeFrame({ type: "closing" }) : encoder.encode("* server closing\n"),
      );
    }
    this.#members.clear();
    this.#byNick.clear();
    this.#log.push({ event: { type: "closing", time: now } });
  }

  /**
   * Takes what the room wants sent and logged since the last call.
   *
   * @returns Datagrams to send, in order, and log entries.
   */
  poll(): { transmits: Transmit[]; events: RoomLogEntry[] } {
    const out = { transmits: this.#transmits, events: this.#log };
    this.#transmits = [];
    this.#log = [];
    return out;
  }

  /**
   * When {@linkcode Room.tick} should next run.
   *
   * @returns A time in ms, or `undefined` when the room is empty.
   */
  deadline(): number | undefined {
    let soonest: number | undefined;
    for (const member of this.#members.values()) {
      const limit = member.link ? this.#timeout : this.#legacyTimeout;
      let due = member.lastHeard + limit + 1;
      for (const time of [member.link?.out.deadline(), member.link?.in.ackDeadline()]) {
        if (time !== undefined && time < due) due = time;
      }
      if (soonest === undefined || due < soonest) soonest = due;
    }
    return soonest;
  }

  #join(frame: Extract<ClientFrame, { type: "join" }>, from: Address, key: string, now: number) {
    const existing = this.#members.get(key);
    if (existing?.link?.session === frame.session) {
      existing.lastHeard = now;
      return this.#welcome(existing); // the welcome was lost: say it again
    }
    // `last` counts in this room's epoch only; from another epoch, the member starts afresh.
    const last = frame.epoch === this.#epoch ? frame.last : undefined;
    let nick: string;
    try {
      nick = validateNick(frame.nick);
    } catch (error) {
      return this.#send(
        from,
        encodeFrame({ type: "refused", code: "bad-nick", reason: (error as Error).message }),
      );
    }
    const link: Link = {
      session: frame.session,
      out: new StreamSender(this.#streamOptions),
      in: new StreamReceiver(),
      assembler: new Assembler(),
    };
    if (existing?.link && nickKey(existing.nick) === nickKey(nick)) {
      // The same client starting over (it lost its stream): keep it, renew the streams, and
      // carry over what it has not acknowledged, after the history it missed before that.
      const pending = existing.link.out.drain().map(({ payload }) => payload);
      const firstPending = pending.find((e) => "seq" in e.event)?.event as RoomEvent | undefined;
      existing.link = link;
      existing.lastHeard = now;
      this.#welcome(existing);
      this.#replay(existing, last, firstPending?.seq);
      for (const event of pending) link.out.push(event);
      return this.#flush(existing, now);
    }
    if (existing) this.#remove(existing, "quit", now);
    this.#departed.delete(key);
    if (this.#members.size >= this.#maxMembers) {
      return this.#send(
        from,
        encodeFrame({
          type: "refused",
          code: "room-full",
          reason: `The room is full (${this.#maxMembers} members)`,
        }),
      );
    }
    nick = uniqueNick(nick, (n) => this.#byNick.has(nickKey(n)));
    const member: Member = { key, address: from, nick, lastHeard: now, link };
    this.#add(member);
    this.#welcome(member);
    this.#replay(member, last);
    this.#announce({ type: "join", nick, time: now }, now, from);
  }

  #welcome(member: Member): void {
    this.#send(
      member.address,
      encodeFrame({
        type: "welcome",
        nick: member.nick,
        room: this.#name,
        epoch: this.#epoch,
        session: member.link!.session,
        seq: this.#seq,
        members: this.#members.size,
        heartbeat: this.#heartbeat,
        timeout: this.#timeout,
      }),
    );
  }

  /** Queues history: all of it for a newcomer, what it missed (before `until`) for a member coming back. */
  #replay(member: Member, last: number | undefined, until = Infinity): void {
    const events = last === undefined
      ? this.#history.filter((event) => event.seq < until).map((event) => ({
        ...event,
        history: true,
      }))
      : this.#history.filter((event) => event.seq > last && event.seq < until);
    for (const event of events) this.#queue(member, splitPayload<ServerEvent>(event));
  }

  #receiveLegacy(text: string, from: Address, key: string, now: number): void {
    let member = this.#members.get(key);
    if (member?.link) {
      // A v1 member never sends plain text; treat it as a client that restarted in legacy mode.
      this.#remove(member, "quit", now);
      member = undefined;
    }
    if (member === undefined) {
      if (text === "quit()") return;
      if (this.#members.size >= this.#maxMembers) return;
      member = { key, address: from, nick: key, lastHeard: now };
      this.#add(member);
      this.#announce({ type: "join", nick: member.nick, time: now }, now, from);
    }
    member.lastHeard = now;
    if (text === "quit()") return this.#remove(member, "quit", now);
    if (text.trim() === "") return;
    this.#announce({ type: "msg", from: member.nick, text, time: now }, now);
  }

  #request(member: Member, link: Link, part: Request, now: number): void {
    let request: Request | undefined;
    try {
      request = link.assembler.add(part);
    } catch (error) {
      return this.#reply(member, "too-long", (error as Error).message, now);
    }
    if (request === undefined) return;
    switch (request.type) {
      case "msg":
      case "action": {
        // A message resent after reconnecting may have been relayed already.
        if (request.id !== undefined && this.#recentIds.has(request.id)) return;
        const { type, text, id } = request;
        return this.#announce(
          { type, from: member.nick, text, time: now, ...(id ? { id } : {}) },
          now,
        );
      }
      case "pm":
        return this.#privateMessage(member, request, now);
      case "rename":
        return this.#rename(member, request.nick, now);
      case "who":
        this.#queue(member, splitPayload<ServerEvent>({ type: "members", members: this.members }));
        return this.#flush(member, now);
      case "leave":
        this.#departed.set(member.key, {
          ack: encodeFrame({ type: "ack", ...link.in.ack() }),
          until: now + this.#timeout,
        });
        if (this.#departed.size > 1024) this.#departed.delete(this.#departed.keys().next().value!);
        return this.#remove(member, "quit", now);
    }
  }

  #privateMessage(member: Member, request: Extract<Request, { type: "pm" }>, now: number): void {
    const target = this.#byNick.get(nickKey(request.to));
    if (target === undefined) {
      return this.#reply(member, "no-such-nick", `No member is called '${request.to}'`, now);
    }
    const event: ServerEvent = {
      type: "pm",
      from: member.nick,
      to: target.nick,
      text: request.text,
      time: Math.floor(now),
      ...(request.id ? { id: request.id } : {}),
    };
    for (const recipient of target === member ? [member] : [target, member]) {
      if (recipient.link) {
        this.#queue(recipient, splitPayload(event));
        this.#flush(recipient, now);
      } else {
        this.#sendLegacy(recipient, `[pm] ${member.nick}: ${request.text}\n`);
      }
    }
    this.#log.push({ event: { type: "pm", from: member.nick, to: target.nick, time: now } });
  }

  #rename(member: Member, wanted: string, now: number): void {
    let nick: string;
    try {
      nick = validateNick(wanted);
    } catch (error) {
      return this.#reply(member, "bad-nick", (error as Error).message, now);
    }
    const holder = this.#byNick.get(nickKey(nick));
    if (holder !== undefined && holder !== member) {
      return this.#reply(member, "nick-taken", `Nickname '${nick}' is taken`, now);
    }
    if (nick === member.nick) return;
    const old = member.nick;
    this.#byNick.delete(nickKey(old));
    member.nick = nick;
    this.#byNick.set(nickKey(nick), member);
    this.#announce({ type: "rename", from: old, nick, time: now }, now);
  }

  #add(member: Member): void {
    this.#members.set(member.key, member);
    this.#byNick.set(nickKey(member.nick), member);
  }

  #remove(member: Member, reason: LeaveReason, now: number): void {
    if (this.#members.get(member.key) !== member) return;
    this.#members.delete(member.key);
    this.#byNick.delete(nickKey(member.nick));
    this.#announce({ type: "leave", nick: member.nick, reason, time: now }, now);
  }

  /** Gives an event the next `seq`, remembers it and queues it for every member. */
  #announce(event: DistributiveOmit<RoomEvent, "seq">, now: number, from?: Address): void {
    // Whole milliseconds on the wire, whatever clock drives the room.
    const full = { ...event, seq: ++this.#seq, time: Math.floor(event.time) } as RoomEvent;
    this.#remember(full);
    this.#log.push({ event: full, address: from && addressKey(from) });
    const parts = splitPayload<ServerEvent>(full).map((part) => new EncodedEvent(part));
    let legacy: string | undefined;
    for (const member of [...this.#members.values()]) {
      if (member.link) {
        this.#queueEncoded(member, parts, now);
      } else if (!(full.type === "msg" && full.from === member.nick)) {
        legacy ??= legacyLine(full);
        this.#sendLegacy(member, legacy);
      }
    }
  }

  #queue(member: Member, events: ServerEvent[]): void {
    for (const event of events) member.link!.out.push(new EncodedEvent(event));
  }

  #queueEncoded(member: Member, parts: EncodedEvent[], now: number): void {
    const out = member.link!.out;
    for (const part of parts) out.push(part);
    this.stats.relayed++;
    if (out.unacked > this.#maxBacklog) return this.#remove(member, "overload", now);
    this.#flush(member, now);
  }

  /** Answers a request on the member's own stream. */
  #reply(member: Member, code: ErrorCode, message: string, now: number): void {
    if (member.link === undefined) return;
    this.#queue(member, [{ type: "error", code, message }]);
    this.#flush(member, now);
  }

  #sendAck(member: Member, now: number): void {
    const ack = member.link?.in.takeAck(now);
    if (ack) this.#send(member.address, encodeFrame({ type: "ack", ...ack }));
  }

  #flush(member: Member, now: number): void {
    const link = member.link;
    if (link === undefined) return;
    for (const [n, event] of link.out.transmit(now)) this.#send(member.address, event.datagram(n));
  }

  #error(to: Address, key: string, code: string, message: string, now: number): void {
    if (this.#errors.allow(key, now)) this.#send(to, encodeFrame({ type: "error", code, message }));
  }

  #sendLegacy(member: Member, line: string): void {
    for (const chunk of splitText(line, MAX_DATAGRAM)) {
      this.#send(member.address, encoder.encode(chunk));
    }
  }

  #send(to: Address, data: Uint8Array): void {
    this.#transmits.push({ to, data });
  }

  #remember(event: RoomEvent): void {
    this.#history.push(event);
    if (this.#history.length > this.#historySize) this.#history.shift();
    if ("id" in event && event.id !== undefined) this.#rememberId(event.id);
  }

  #rememberId(id: string): void {
    this.#recentIds.add(id);
    if (this.#recentIds.size > 4096) this.#recentIds.delete(this.#recentIds.values().next().value!);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The line a legacy member sees for a room event. */
function legacyLine(event: RoomEvent): string {
  switch (event.type) {
    case "msg":
      return `${event.from}: ${event.text}\n`;
    case "action":
      return `* ${event.from} ${event.text}\n`;
    case "join":
      return `* ${event.nick} joined\n`;
    case "leave":
      return `* ${event.nick} ${event.reason === "timeout" ? "timed out" : "left"}\n`;
    case "rename":
      return `* ${event.from} is now ${event.nick}\n`;
  }
}
