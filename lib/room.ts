/**
 * The chat room: membership, ordering and relaying, without any I/O.
 *
 * Rules (docs/PROTOCOL.md has the wire details, docs/SECURITY.md the reasons):
 * - A member is an address that proved it receives there: a v2 client by
 *   echoing a `retry` cookie, a legacy (plain-text) client by typing back a
 *   join code. Until then the address gets only small, rate-limited replies
 *   (never more than 3× the bytes it sent) and the room keeps no state for it.
 * - Every frame from a member after `welcome` carries its session's token
 *   (sealed, with a room password); anything else from its address changes
 *   nothing, so nobody can speak, rename or leave for another.
 * - Every room event (message, action, join, leave, rename) gets the next
 *   room-wide `seq` and is queued, encoded once, on every v2 member's stream,
 *   so every member sees the same transcript in the same order.
 * - Requests on a member's stream are handled in stream order, once each.
 * - A member silent for longer than its timeout is removed ("timeout"); one
 *   whose stream backlog overflows is removed ("overload"); a member that has
 *   left is sent nothing more.
 * - Bad datagrams are counted in {@linkcode RoomStats} and, for senders that are not members,
 *   answered with a rate-limited `error` frame; they change nothing else.
 *
 * Who does what: `room.ts` (this file) dispatches datagrams, handles
 * requests and numbers room events; `door.ts` decides who gets in and
 * answers everyone else; `membership.ts` registers members by address and
 * nickname; `member_link.ts` holds a v2 member's streams,
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
import { base64url, sameSecret, secureRandom } from "./crypto.ts";
import { fireDue, nextDeadline } from "./deadlines.ts";
import { decodeClientDatagram } from "./decode.ts";
import { Door } from "./door.ts";
import {
  type ClientFrame,
  type ClientRequest,
  type DistributiveOmit,
  type LeaveReason,
  type RoomEvent,
  type ServerEvent,
} from "./frame.ts";
import { FrameError } from "./frame_error.ts";
import { roomSecret } from "./handshake.ts";
import { parseLegacyLine } from "./legacy.ts";
import { type Machine, Output } from "./machine.ts";
import { MemberLink } from "./member_link.ts";
import { type Member, Membership } from "./membership.ts";
import { nickKey, validateNick } from "./nick.ts";
import { RoomHistory } from "./room_history.ts";
import type { RoomLogEntry, RoomStats } from "./room_log.ts";
import { MAX_ID } from "./schema.ts";
import type { StreamOptions } from "./stream.ts";
import type { TranscriptEntry } from "./transcript.ts";

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
  /** A v2 member silent this long is removed, in ms. Must exceed `heartbeat` several times. @default {30000} */
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
  /** Whether plain-text (legacy) clients may join, after typing their join code. @default {true} */
  legacy?: boolean;
  /** Room password: without it nobody joins, and every frame is sealed. Legacy clients are refused. */
  password?: string;
  /** Source of secure random bytes (tokens, secrets); replace it for deterministic tests. */
  randomBytes?: (count: number) => Uint8Array;
}

/**
 * The server's state machine.
 *
 * @example Usage
 * ```ts
 * import { Room } from "./room.ts";
 * import { encodePadded } from "./frame.ts";
 * import { equal } from "node:assert/strict";
 *
 * const room = new Room({ name: "lab" });
 * const alice = { hostname: "10.0.0.2", port: 5000 };
 * const reply = () => JSON.parse(new TextDecoder().decode(room.poll().transmits[0].data));
 * room.receive(encodePadded({ type: "join", nick: "alice", session: "s1" }, 256), alice, 0);
 * const retry = reply(); // prove you receive at this address: echo the cookie
 * equal(retry.type, "retry");
 * room.receive(encodePadded({ type: "join", nick: "alice", session: "s1", cookie: retry.cookie }, 256), alice, 0);
 * const welcome = reply();
 * equal(welcome.type, "welcome");
 * equal(welcome.room, "lab");
 * ```
 */
export class Room implements Machine<RoomLogEntry> {
  readonly #epoch: string;
  readonly #timeout: number;
  readonly #heartbeat: number;
  readonly #maxMembers: number;
  readonly #history: RoomHistory;
  readonly #door: Door;
  readonly #members = new Membership();
  /** Final acks of members that left, repeated if a leave's ack was lost. */
  #departed = new Map<string, { token: string; ack: Uint8Array; until: number }>();
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
    forged: 0,
    unvalidated: 0,
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
      legacy = true,
      password,
      randomBytes = secureRandom,
    } = options;
    if (!(timeout > heartbeat * 2)) {
      throw new RangeError(
        `Cannot create room as 'timeout' must exceed twice the heartbeat (${heartbeat} ms): current value is ${timeout}`,
      );
    }
    this.#epoch = epoch;
    this.#timeout = timeout;
    this.#heartbeat = heartbeat;
    this.#maxMembers = maxMembers;
    this.#history = new RoomHistory(history);
    this.#door = new Door(randomBytes(32), {
      name,
      timeout,
      legacyTimeout,
      maxBacklog,
      stream: { ...stream, counters: this.stats },
      legacy: legacy && password === undefined,
      secret: password === undefined ? undefined : roomSecret(password, base64url(randomBytes(12))),
      random: randomBytes,
      send: this.#send,
      stats: this.stats,
    });
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
   * @param entries Room events, oldest first, with the address scope of their message ids.
   */
  restore(entries: readonly TranscriptEntry[]): void {
    for (const { event, scope } of entries) this.#history.remember(event, scope);
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
    const member = this.#members.at(key);
    if (member === undefined) this.#door.received(key, data.length);
    let decoded;
    try {
      decoded = decodeClientDatagram(data);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      if (error.code === "garbage") this.stats.garbage++;
      else if (error.code === "oversize") this.stats.oversize++;
      else {
        this.stats.badFrame++;
        // Members are never answered here: the datagram may be forged from their address.
        if (member === undefined) {
          this.#door.answer(from, key, error.code, error.message, data.length, now);
        }
      }
      return;
    }
    if (decoded.kind === "legacy") {
      return this.#receiveLegacy(decoded.text, from, key, now);
    }
    if (decoded.frame.type === "join") {
      return this.#join(decoded.frame, from, key, data.length, now);
    }
    const link = member?.channel instanceof MemberLink ? member.channel : undefined;
    if (link === undefined) return this.#notJoined(decoded.frame, from, key, data.length, now);
    const frame = link.check(decoded.frame, decodeFrame);
    if (frame === undefined || frame.type === "join" || frame.type === "sealed") {
      this.stats.forged++;
      return;
    }
    member!.lastHeard = now;
    if (frame.type === "ping") return link.pong(frame.t);
    if (frame.type === "ack") {
      if (!link.ack(frame.n, frame.sack ?? [], now)) this.stats.forgedAck++;
      return;
    }
    const ready = link.requests.receive(frame.n, frame, now);
    if (ready === undefined) this.stats.tooFarAhead++;
    for (const part of ready ?? []) {
      if (!this.#members.has(member!)) break; // it left
      this.#request(member!, link, part, now);
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

  /** A join the door let through: a renewal, a replacement, or a newcomer if there is room. */
  #join(
    frame: Extract<ClientFrame, { type: "join" }>,
    from: Address,
    key: string,
    size: number,
    now: number,
  ): void {
    const existing = this.#members.at(key);
    // A member renewing its session proves its address again, like anyone (counted above otherwise).
    if (existing) this.#door.received(key, size);
    const proved = this.#door.join(frame, from, key, size, now);
    if (proved === undefined) return;
    const { session } = proved;
    const existingLink = existing?.channel instanceof MemberLink ? existing.channel : undefined;
    if (existingLink?.session === session) return this.#welcome(existing!); // the welcome was lost
    // `last` counts in this room's epoch only; from another epoch, the member starts afresh.
    const last = frame.epoch === this.#epoch ? frame.last : undefined;
    const link = this.#door.link(session, from);
    if (existingLink && nickKey(existing!.nick) === nickKey(proved.nick)) {
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
    this.#door.forget(key);
    this.#departed.delete(key);
    if (this.#members.size >= this.#maxMembers) {
      const reason = `The room is full (${this.#maxMembers} members)`;
      return this.#door.refuse(from, key, session, "room-full", reason, size, now);
    }
    const twin = this.#members.lookalike(proved.nick);
    if (twin) {
      const reason =
        `Nickname '${proved.nick}' looks like '${twin.nick}', who is here: pick another`;
      return this.#door.refuse(from, key, session, "bad-nick", reason, size, now);
    }
    const nick = this.#members.freeNick(proved.nick);
    const member: Member = { key, address: from, nick, lastHeard: now, channel: link };
    this.#members.add(member);
    this.#welcome(member);
    this.#replay(link, last, Infinity, now);
    this.#announce({ type: "join", nick, time: now }, now, member);
  }

  #welcome(member: Member): void {
    this.#door.welcome(member, {
      epoch: this.#epoch,
      seq: this.#history.seq,
      members: this.#members.size,
      heartbeat: this.#heartbeat,
    });
  }

  /** Queues the roster, then history: all of it for a newcomer, what it missed for one coming back. */
  #replay(link: MemberLink, last: number | undefined, until: number, now: number): void {
    link.queue({ type: "members", members: this.members, roster: true }, now);
    for (const event of this.#history.replay(last, until)) link.queue(event, now);
  }

  /** A frame (not a join) from an address that is not a v2 member. */
  #notJoined(frame: ClientFrame, from: Address, key: string, size: number, now: number): void {
    const departed = this.#departed.get(key);
    if (
      departed && now < departed.until && "token" in frame &&
      sameSecret(frame.token, departed.token)
    ) {
      // Its final ack was lost: repeat it, so the client knows everything arrived.
      return this.#send(from, departed.ack);
    }
    this.stats.notJoined++;
    if (this.#members.at(key)) return; // a legacy member's address: not answered in JSON
    const message = "Not a member of this room: send a join frame first";
    this.#door.answer(from, key, "not-joined", message, size, now);
  }

  #receiveLegacy(text: string, from: Address, key: string, now: number): void {
    const member = this.#members.at(key);
    if (member?.channel instanceof MemberLink) {
      this.stats.forged++; // a v2 client never sends plain text: someone else did, from its address
      return;
    }
    const line = parseLegacyLine(text);
    if (member === undefined) {
      const admitted = this.#door.plainText(line, from, key, now);
      if (admitted === undefined || this.#members.size >= this.#maxMembers) return;
      admitted.nick = this.#members.freeNick(admitted.nick);
      this.#members.add(admitted);
      return this.#announce({ type: "join", nick: admitted.nick, time: now }, now, admitted);
    }
    member.lastHeard = now;
    if (line.type === "quit") return this.#remove(member, "quit", now);
    if (line.type === "say" || line.type === "code") {
      this.#announce({ type: "msg", from: member.nick, text, time: now }, now, member);
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
        // A message resent after reconnecting may have been relayed already; ids are the sender's own.
        if (request.id !== undefined && this.#history.seen(member.key, request.id)) return;
        const { type, text } = request;
        const id = request.id !== undefined && request.id.length <= MAX_ID ? request.id : undefined;
        return this.#announce(
          { type, from: member.nick, text, time: now, ...(id ? { id } : {}) },
          now,
          member,
        );
      }
      case "pm":
        return this.#privateMessage(member, request, now);
      case "rename":
        return this.#rename(member, link, request.nick, now);
      case "who":
        return link.queue({ type: "members", members: this.members }, now);
      case "leave":
        this.#departed.set(member.key, {
          token: link.token,
          ack: link.finalAck(),
          until: now + this.#timeout,
        });
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
    const id = request.id !== undefined && request.id.length <= MAX_ID ? { id: request.id } : {};
    const broadcast = new Broadcast({
      type: "pm",
      from: member.nick,
      to: target.nick,
      text: request.text,
      time: Math.floor(now),
      ...id,
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
    const twin = this.#members.lookalike(nick, member);
    if (twin) {
      return link.reply(
        "bad-nick",
        `Nickname '${nick}' looks like '${twin.nick}', who is here`,
        now,
      );
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
  #announce(event: DistributiveOmit<RoomEvent, "seq">, now: number, by?: Member): void {
    // Whole milliseconds on the wire, whatever clock drives the room.
    const full = { ...event, seq: this.#history.next(), time: Math.floor(event.time) } as RoomEvent;
    const scope = by?.key;
    this.#history.remember(full, scope);
    const address = full.type === "join" ? scope : undefined;
    this.#output.report({
      event: full,
      ...(address ? { address } : {}),
      ...(scope ? { scope } : {}),
    });
    const broadcast = new Broadcast(full as ServerEvent);
    for (const member of this.#members.all()) {
      this.stats.relayed++;
      if (!member.channel.relay(broadcast, now)) this.#remove(member, "overload", now);
    }
  }
}

/** The frame inside a sealed one, if it is a frame at all. */
function decodeFrame(data: Uint8Array): ClientFrame | undefined {
  try {
    const decoded = decodeClientDatagram(data);
    return decoded.kind === "frame" ? decoded.frame : undefined;
  } catch {
    return undefined;
  }
}
