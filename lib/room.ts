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
 * Who does what: `room.ts` (this file) dispatches datagrams, handles
 * requests and numbers room events; `membership.ts` registers members by
 * address and nickname; `member_link.ts` holds a v1 member's streams,
 * `legacy.ts` a plain-text member's; `room_history.ts` remembers recent
 * events and message ids; `broadcast.ts` encodes each event once per protocol.
 *
 * Drive it with {@linkcode Room.receive}, {@linkcode Room.tick} and
 * {@linkcode Room.close}; after each, take what to send and log from
 * {@linkcode Room.poll}, and call `tick` again at {@linkcode Room.deadline}.
 *
 * @module
 */

import { type Address, addressKey, type Transmit } from "./address.ts";
import { Broadcast } from "./broadcast.ts";
import { fireDue, nextDeadline } from "./deadlines.ts";
import { decodeClientDatagram } from "./decode.ts";
import {
  type ClientFrame,
  type ClientRequest,
  type DistributiveOmit,
  encodeFrame,
  type LeaveReason,
  type RoomEvent,
  type ServerEvent,
} from "./frame.ts";
import { type ErrorCode, FrameError } from "./frame_error.ts";
import { LegacyPeer, parseLegacyLine } from "./legacy.ts";
import { type Machine, Output } from "./machine.ts";
import { MemberLink } from "./member_link.ts";
import { type Member, Membership } from "./membership.ts";
import { nickKey, validateNick } from "./nick.ts";
import { RateLimiter } from "./rate_limit.ts";
import { RoomHistory } from "./room_history.ts";
import type { RoomLogEntry, RoomStats } from "./room_log.ts";
import type { StreamOptions } from "./stream.ts";

export type { ClosingNotice, PmNotice, RoomLogEntry, RoomStats } from "./room_log.ts";

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
export class Room implements Machine<RoomLogEntry> {
  readonly #name: string;
  readonly #epoch: string;
  readonly #timeout: number;
  readonly #legacyTimeout: number;
  readonly #heartbeat: number;
  readonly #maxMembers: number;
  readonly #maxBacklog: number;
  readonly #streamOptions: StreamOptions;
  readonly #history: RoomHistory;
  readonly #members = new Membership();
  /** Final acks of members that left, repeated if a leave's ack was lost. */
  #departed = new Map<string, { ack: Uint8Array; until: number }>();
  #errors = new RateLimiter({ burst: 5, perSecond: 2 });
  readonly #output = new Output<RoomLogEntry>();
  readonly #send = (to: Address, data: Uint8Array): void => this.#output.send(to, data);
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
    this.#history = new RoomHistory(history);
    this.#maxBacklog = maxBacklog;
    this.#streamOptions = { ...stream, counters: this.stats };
  }

  /** Current members' nicknames, in alphabetical order. */
  get members(): string[] {
    return this.#members.nicks;
  }

  /** The last room sequence number given out. */
  get seq(): number {
    return this.#history.seq;
  }

  /**
   * Restores history and the sequence counter, e.g. from a transcript file,
   * before the room serves anyone.
   *
   * @param events Room events, oldest first.
   */
  restore(events: readonly RoomEvent[]): void {
    for (const event of events) this.#history.remember(event);
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
    const member = this.#members.at(key);
    const departed = this.#departed.get(key);
    if (member === undefined && departed !== undefined && now < departed.until) {
      // Its final ack was lost: repeat it, so the client knows everything arrived.
      return this.#send(from, departed.ack);
    }
    const link = member?.channel;
    if (!(link instanceof MemberLink)) {
      this.stats.notJoined++;
      return this.#error(
        from,
        key,
        "not-joined",
        "Not a member of this room: send a join frame first",
        now,
      );
    }
    member!.lastHeard = now;
    if (frame.type === "ping") {
      this.#send(from, encodeFrame({ type: "pong", t: frame.t }));
    } else if (frame.type === "ack") {
      if (!link.ack(frame.n, frame.sack ?? [], now)) this.stats.forgedAck++;
    } else {
      const ready = link.requests.receive(frame.n, frame, now);
      if (ready === undefined) this.stats.tooFarAhead++;
      for (const part of ready ?? []) {
        if (!this.#members.has(member!)) break; // it left
        this.#request(member!, link, part, now);
      }
    }
  }

  /**
   * Fires what is due: removes silent members, retransmits, acknowledges.
   *
   * @param now The current time in ms.
   */
  tick(now: number): void {
    for (const member of this.#members.all()) {
      if (now > member.lastHeard + member.channel.timeout) {
        this.#remove(member, "timeout", now);
      } else {
        fireDue(member.channel.timers, now);
      }
    }
  }

  /**
   * Tells every member the server is closing and empties the room.
   *
   * @param now The current time in ms.
   */
  close(now: number): void {
    for (const member of this.#members.all()) member.channel.closing();
    this.#members.clear();
    this.#output.report({ event: { type: "closing", time: now } });
  }

  /**
   * Takes what the room wants sent and logged since the last call.
   *
   * @returns Datagrams to send, in order, and log entries.
   */
  poll(): { transmits: Transmit[]; events: RoomLogEntry[] } {
    return this.#output.take();
  }

  /**
   * When {@linkcode Room.tick} should next run.
   *
   * @returns A time in ms, or `undefined` when the room is empty.
   */
  deadline(): number | undefined {
    let soonest: number | undefined;
    for (const member of this.#members.all()) {
      const silent = member.lastHeard + member.channel.timeout + 1;
      const due = Math.min(silent, nextDeadline(member.channel.timers) ?? Infinity);
      if (soonest === undefined || due < soonest) soonest = due;
    }
    return soonest;
  }

  #join(frame: Extract<ClientFrame, { type: "join" }>, from: Address, key: string, now: number) {
    const existing = this.#members.at(key);
    const existingLink = existing?.channel instanceof MemberLink ? existing.channel : undefined;
    if (existingLink?.session === frame.session) {
      existing!.lastHeard = now;
      return this.#welcome(existing!); // the welcome was lost: say it again
    }
    // `last` counts in this room's epoch only; from another epoch, the member starts afresh.
    const last = frame.epoch === this.#epoch ? frame.last : undefined;
    let nick: string;
    try {
      nick = validateNick(frame.nick);
    } catch (error) {
      return this.#refuse(from, "bad-nick", (error as Error).message);
    }
    const link = new MemberLink(frame.session, from, this.#send, {
      timeout: this.#timeout,
      maxBacklog: this.#maxBacklog,
      stream: this.#streamOptions,
    });
    if (existingLink && nickKey(existing!.nick) === nickKey(nick)) {
      // The same client starting over (it lost its stream): keep it, renew the streams, and
      // carry over what it has not acknowledged, after the history it missed before that.
      const pending = existingLink.drain();
      const firstPending = pending.find((e) => "seq" in e.event)?.event as RoomEvent | undefined;
      existing!.channel = link;
      existing!.lastHeard = now;
      this.#welcome(existing!);
      this.#replay(link, last, firstPending?.seq ?? Infinity, now);
      return link.carryOver(pending, now);
    }
    if (existing) this.#remove(existing, "quit", now);
    this.#departed.delete(key);
    if (this.#members.size >= this.#maxMembers) {
      return this.#refuse(from, "room-full", `The room is full (${this.#maxMembers} members)`);
    }
    nick = this.#members.freeNick(nick);
    const member: Member = { key, address: from, nick, lastHeard: now, channel: link };
    this.#members.add(member);
    this.#welcome(member);
    this.#replay(link, last, Infinity, now);
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
        session: (member.channel as MemberLink).session,
        seq: this.#history.seq,
        members: this.#members.size,
        heartbeat: this.#heartbeat,
        timeout: this.#timeout,
      }),
    );
  }

  /** Queues the roster, then history: all of it for a newcomer, what it missed for one coming back. */
  #replay(link: MemberLink, last: number | undefined, until: number, now: number): void {
    link.queue({ type: "members", members: this.members, roster: true }, now);
    for (const event of this.#history.replay(last, until)) link.queue(event, now);
  }

  #refuse(to: Address, code: ErrorCode, reason: string): void {
    this.#send(to, encodeFrame({ type: "refused", code, reason }));
  }

  #receiveLegacy(text: string, from: Address, key: string, now: number): void {
    const line = parseLegacyLine(text);
    let member = this.#members.at(key);
    if (member?.channel instanceof MemberLink) {
      // A v1 member never sends plain text; treat it as a client that restarted in legacy mode.
      this.#remove(member, "quit", now);
      member = undefined;
    }
    if (member === undefined) {
      if (line.type === "quit" || this.#members.size >= this.#maxMembers) return;
      const nick = key;
      member = {
        key,
        address: from,
        nick,
        lastHeard: now,
        channel: new LegacyPeer(from, () => member!.nick, this.#legacyTimeout, this.#send),
      };
      this.#members.add(member);
      this.#announce({ type: "join", nick, time: now }, now, from);
    }
    member.lastHeard = now;
    if (line.type === "quit") return this.#remove(member, "quit", now);
    if (line.type === "say") {
      this.#announce({ type: "msg", from: member.nick, text: line.text, time: now }, now);
    }
  }

  #request(member: Member, link: MemberLink, part: ClientRequest, now: number): void {
    let request: ClientRequest | undefined;
    try {
      request = link.requests.assemble(part);
    } catch (error) {
      return link.reply("too-long", (error as Error).message, now);
    }
    switch (request?.type) {
      case "msg":
      case "action": {
        // A message resent after reconnecting may have been relayed already.
        if (request.id !== undefined && this.#history.seen(request.id)) return;
        const { type, text, id } = request;
        return this.#announce(
          { type, from: member.nick, text, time: now, ...(id ? { id } : {}) },
          now,
        );
      }
      case "pm":
        return this.#privateMessage(member, request, now);
      case "rename":
        return this.#rename(member, link, request.nick, now);
      case "who":
        return link.queue({ type: "members", members: this.members }, now);
      case "leave":
        this.#departed.set(member.key, { ack: link.finalAck(), until: now + this.#timeout });
        if (this.#departed.size > 1024) this.#departed.delete(this.#departed.keys().next().value!);
        return this.#remove(member, "quit", now);
    }
  }

  #privateMessage(
    member: Member,
    request: Extract<ClientRequest, { type: "pm" }>,
    now: number,
  ): void {
    const target = this.#members.named(request.to);
    if (target === undefined) {
      return member.channel.reply("no-such-nick", `No member is called '${request.to}'`, now);
    }
    const broadcast = new Broadcast({
      type: "pm",
      from: member.nick,
      to: target.nick,
      text: request.text,
      time: Math.floor(now),
      ...(request.id ? { id: request.id } : {}),
    });
    for (const recipient of target === member ? [member] : [target, member]) {
      recipient.channel.relay(broadcast, now);
    }
    this.#output.report({ event: { type: "pm", from: member.nick, to: target.nick, time: now } });
  }

  #rename(member: Member, link: MemberLink, wanted: string, now: number): void {
    let nick: string;
    try {
      nick = validateNick(wanted);
    } catch (error) {
      return link.reply("bad-nick", (error as Error).message, now);
    }
    const holder = this.#members.named(nick);
    if (holder !== undefined && holder !== member) {
      return link.reply("nick-taken", `Nickname '${nick}' is taken`, now);
    }
    if (nick === member.nick) return;
    const old = member.nick;
    this.#members.rename(member, nick);
    this.#announce({ type: "rename", from: old, nick, time: now }, now);
  }

  #remove(member: Member, reason: LeaveReason, now: number): void {
    if (!this.#members.remove(member)) return;
    this.#announce({ type: "leave", nick: member.nick, reason, time: now }, now);
  }

  /** Gives an event the next `seq`, remembers it and relays it to every member. */
  #announce(event: DistributiveOmit<RoomEvent, "seq">, now: number, from?: Address): void {
    // Whole milliseconds on the wire, whatever clock drives the room.
    const full = { ...event, seq: this.#history.next(), time: Math.floor(event.time) } as RoomEvent;
    this.#history.remember(full);
    this.#output.report({ event: full, address: from && addressKey(from) });
    const broadcast = new Broadcast(full as ServerEvent);
    for (const member of this.#members.all()) {
      this.stats.relayed++;
      if (!member.channel.relay(broadcast, now)) this.#remove(member, "overload", now);
    }
  }

  #error(to: Address, key: string, code: ErrorCode, message: string, now: number): void {
    if (this.#errors.allow(key, now)) this.#send(to, encodeFrame({ type: "error", code, message }));
  }
}
