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
 * Who does what: `room.ts` (this file) dispatches datagrams and admits
 * members; `requests.ts` handles what members ask once in; `room_feed.ts`
 * numbers room events, saves, remembers and relays them; `door.ts` decides
 * who gets in and answers everyone else; `membership.ts` registers members
 * by address and nickname;
 * `member_link.ts` holds a v2 member's streams, `legacy.ts` a plain-text
 * member's; `room_history.ts` remembers recent events and message ids;
 * `broadcast.ts` encodes each event once per protocol.
 *
 * Drive it with {@linkcode Room.receive}, {@linkcode Room.tick} and
 * {@linkcode Room.close}; after each, take what to send and log from
 * {@linkcode Room.poll}, and call `tick` again at {@linkcode Room.deadline}.
 *
 * @module
 */

import { type Address, addressKey, type Transmit } from "./address.ts";
import { base64url, sameSecret, secureRandom } from "./crypto.ts";
import { DatagramArena } from "./datagram_arena.ts";
import { fireDue, nextDeadline } from "./deadlines.ts";
import { bundledRequests, decodeClientDatagram } from "./decode.ts";
import { BoundedMap } from "./bounded_map.ts";
import { Door } from "./door.ts";
import {
  type ClientFrame,
  type ClientRequest,
  completesRequest,
  type LeaveReason,
} from "./frame.ts";
import { FrameError } from "./frame_error.ts";
import { roomSecret } from "./handshake.ts";
import { roomHeartbeat, untilSlot } from "./heartbeat.ts";
import { LEGACY_HELP, LegacyPeer, parseLegacyLine } from "./legacy.ts";
import { type Machine, Output } from "./machine.ts";
import { MemberLink } from "./member_link.ts";
import { type Member, Membership } from "./membership.ts";
import { Moderation } from "./moderation.ts";
import { Teacher } from "./teacher.ts";
import { nickKey } from "./nick.ts";
import { groupRuns } from "./notices.ts";
import { RateLimiter, roomBurst, TokenBucket } from "./rate_limit.ts";
import { RoomFeed } from "./room_feed.ts";
import { RosterParts } from "./roster_parts.ts";
import { RELEASED_BURST, Shedding } from "./shedding.ts";
import { NOT_SAVED, Requests } from "./requests.ts";
import { MinHeap } from "./min_heap.ts";
import type { Journal } from "./room_journal.ts";
import type { RoomLogEntry, RoomStats } from "./room_log.ts";
import { streamCounters, type StreamOptions, type TimeoutHold } from "./stream.ts";
import type { TraceNotes } from "./trace.ts";
import type { TranscriptEntry } from "./transcript.ts";
import { TurnSet } from "./turn_set.ts";

export type { ClosingNotice, PmNotice, RoomLogEntry, RoomStats } from "./room_log.ts";
export type { MemberInfo } from "./teacher.ts";

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
  /** Most members from one IP address (0: no limit; a classroom behind one NAT needs it raised). @default {8} */
  maxPerIp?: number;
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
  /**
   * Requests (messages, renames, …) a member may make per second, after a burst of four times as
   * many; a long message counts once. @default {5}
   */
  rate?: number;
  /** Source of secure random bytes (tokens, secrets); replace it for deterministic tests. */
  randomBytes?: (count: number) => Uint8Array;
  /**
   * Where every room event is saved before it is relayed (the transcript
   * file). While it cannot be written, messages, renames and newcomers are
   * refused (`cannot-save`); see {@linkcode RoomJournal}.
   */
  journal?: Journal;
}

/**
 * Requests a member may make at once beyond the burst `welcome` announces. A client that paces
 * itself exactly has its bucket start when it sends, the server's when the first request arrives:
 * when a later request has a shorter trip than the first, it would arrive a moment early.
 */
const JITTER_SLACK = 1;

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
  /** When the room first saw the clock: joins naming another epoch soon after are returns. */
  #bornAt: number | undefined;
  readonly #timeout: number;
  readonly #heartbeat: number;
  readonly #maxMembers: number;
  readonly #maxPerIp: number;
  /** Datagrams each source may have handled, before any decoding: a flood costs the flooder. */
  #budget: RateLimiter;
  /** Sources over their budget, which the socket loop may have the kernel drop for a while. */
  readonly #shedding = new Shedding();
  #rate: number;
  /** Where room events get their `seq` and go out to every member. */
  readonly #feed: RoomFeed;
  readonly #door: Door;
  readonly #members = new Membership();
  /** When the last member arrived, in ms. */
  #lastArrival = -Infinity;
  /** Final acks of members that left, repeated if a leave's ack was lost. */
  readonly #departed = new BoundedMap<string, { token: string; ack: Uint8Array; until: number }>(
    1024,
  );
  readonly #moderation = new Moderation();
  /**
   * Members' next deadlines, so that neither `deadline()` nor `tick()` scans
   * every member on every datagram. A member whose timers may have moved
   * (something received from it, or sent to it) is marked dirty, and its
   * deadline is worked out again before the next look.
   */
  readonly #deadlines = new MinHeap<Member>();
  readonly #dirty = new TurnSet<Member>();
  /** Members whose frames queued this turn go out, packed, when it ends ({@linkcode Room.poll}). */
  readonly #turn = new TurnSet<Member>();
  /** Every member's retransmissions by timeout wait for it while datagrams wait unread. */
  readonly #hold: TimeoutHold = { until: -Infinity };
  /**
   * Where members' stream datagrams are written: the socket loop's fast path
   * copies them out and resets it, so a turn reuses the last one's memory.
   */
  readonly arena = new DatagramArena();
  /** The roster each joiner is sent, its parts encoded once for all. */
  readonly #roster = new RosterParts();
  /** What members ask of the room once they are in. */
  readonly #requests: Requests;
  /** The teacher's actions on this room: what the server's console calls. */
  readonly teacher: Teacher;
  readonly #output = new Output<RoomLogEntry>();
  /** What `--trace` says about datagrams the room drops, when it is on. */
  readonly #notes: TraceNotes | undefined;
  readonly #send = (to: Address, data: Uint8Array): void => {
    this.stats.datagramsOut++;
    this.#output.send(to, data);
  };
  /** What the room received and dropped. */
  readonly stats: RoomStats = {
    datagrams: 0,
    overBudget: 0,
    shed: 0,
    datagramsOut: 0,
    relayed: 0,
    ...streamCounters(),
    acksReceived: 0,
    garbage: 0,
    oversize: 0,
    badFrame: 0,
    notJoined: 0,
    forged: 0,
    unvalidated: 0,
    rateLimited: 0,
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
      maxPerIp = 8,
      history = 50,
      maxBacklog = 8192,
      stream = {},
      legacy = true,
      rate = 5,
      password,
      randomBytes = secureRandom,
      journal,
    } = options;
    if (!(timeout > heartbeat * 2)) {
      throw new RangeError(
        `Cannot create room as 'timeout' must exceed twice the heartbeat (${heartbeat} ms): current value is ${timeout}`,
      );
    }
    this.#epoch = epoch;
    this.#notes = stream.notes;
    this.#timeout = timeout;
    this.#heartbeat = heartbeat;
    this.#maxMembers = maxMembers;
    this.#maxPerIp = maxPerIp;
    if (!(rate > 0)) {
      throw new RangeError(
        `Cannot create room as 'rate' must be above 0: current value is ${rate}`,
      );
    }
    this.#rate = rate;
    this.#budget = datagramBudget(rate);
    // What the feed and the requests tell the room: a member's timers may have moved; a log line.
    const touched = (member: Member) => this.#touch(member);
    const report = (entry: RoomLogEntry) => this.#output.report(entry);
    this.#feed = new RoomFeed(history, journal, {
      eachMember: (visit) => this.#members.forEach(visit),
      touched,
      overloaded: (member, now) => this.#remove(member, "overload", now),
      report,
      stats: this.stats,
    });
    this.#requests = new Requests({
      members: this.#members,
      moderation: this.#moderation,
      feed: this.#feed,
      stats: this.stats,
      rate: () => this.#rate, // it changes with the teacher's /slow
      touched,
      report,
      remove: (member, reason, now) => this.#remove(member, reason, now),
      leave: (member, link, now) => {
        this.#depart(member.key, link, link.finalAck(), now);
        this.#remove(member, "quit", now);
      },
    });
    this.teacher = new Teacher({
      members: this.#members,
      moderation: this.#moderation,
      announce: (event, now, scope) => this.#feed.announce(event, now, scope),
      retune: (rate, now) => this.#retune(rate, now),
      depart: (member, told, now) => {
        if (member.channel instanceof MemberLink) {
          this.#depart(member.key, member.channel, told, now);
        }
        this.#members.remove(member);
      },
    });
    this.#door = new Door(randomBytes(32), {
      name,
      timeout,
      legacyTimeout,
      maxBacklog,
      stream: { ...stream, counters: this.stats, hold: this.#hold },
      legacy: legacy && password === undefined,
      secret: password === undefined ? undefined : roomSecret(password, base64url(randomBytes(12))),
      random: randomBytes,
      send: this.#send,
      arena: this.arena,
      stats: this.stats,
    });
  }

  /** Current members' nicknames, in alphabetical order. */
  get members(): string[] {
    return this.#members.nicks;
  }

  /** The last room sequence number given out. */
  get seq(): number {
    return this.#feed.seq;
  }

  /**
   * Restores history and the sequence counter, e.g. from a transcript file,
   * before the room serves anyone.
   *
   * @param entries Room events, oldest first, with the address scope of their message ids.
   */
  restore(entries: readonly TranscriptEntry[], now = 0): void {
    for (const { event, scope } of entries) {
      this.#feed.history.remember(event, scope);
      if (event.type !== "teacher") continue;
      this.#moderation.restore(event, scope, now);
      if (event.action === "slow" && event.rate) this.#rate = event.rate;
    }
  }

  /** The room's topic, as the teacher set it ("" for none). */
  get topic(): string {
    return this.#moderation.topic;
  }

  /** The room's rate: requests a member may make per second. */
  get rate(): number {
    return this.#rate;
  }

  /** Changes the room's rate for everyone: their allowances and datagram budgets. */
  #retune(rate: number, now: number): void {
    if (!(rate > 0)) throw new RangeError(`The rate must be above 0, not ${rate}`);
    this.#rate = rate;
    this.#budget = datagramBudget(rate);
    for (const member of this.#members.all()) {
      const slack = member.channel instanceof MemberLink ? JITTER_SLACK : 0;
      member.channel.allowance.set(rate, roomBurst(rate) + slack, now);
    }
  }

  /** Whether an IP address has as many members as it may. */
  #crowded(ip: string): boolean {
    if (this.#maxPerIp === 0) return false;
    // Counted in place: asked at every join, and a class joins at once.
    let count = 0;
    for (const member of this.#members.each()) {
      if (member.address.hostname === ip && ++count >= this.#maxPerIp) return true;
    }
    return false;
  }

  /**
   * Handles one datagram.
   *
   * @param data The datagram; it is not retained.
   * @param from Its source.
   * @param now The current time in ms.
   * @param inputQueued More datagrams wait unread behind it: as in
   *   {@linkcode Room.tick}, retransmissions by timeout wait, whichever
   *   member's stream this turn sends on.
   */
  receive(data: Uint8Array, from: Address, now: number, inputQueued = false): void {
    if (inputQueued) this.#hold.until = now + 1;
    const key = addressKey(from);
    this.#receive(data, from, key, now);
    const member = this.#members.at(key);
    if (member) this.#touch(member);
  }

  /** Notes that a member's timers may have moved and that it may have frames queued this turn. */
  #touch(member: Member): void {
    this.#dirty.add(member);
    this.#turn.add(member);
  }

  #receive(data: Uint8Array, from: Address, key: string, now: number): void {
    this.#bornAt ??= now;
    this.stats.datagrams++;
    if (this.#shedding.covers(key) || !this.#budget.allow(key, now)) {
      this.stats.overBudget++; // dropped unread: its sender pays for its flood, nobody else
      if (this.#shedding.over(from, key, now)) this.stats.shed++;
      return;
    }
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
      this.#notes?.incoming("forged or replayed: dropped");
      return;
    }
    member!.lastHeard = now;
    if (frame.type === "ping") return this.#pong(link, frame.t, now);
    if (frame.type === "ack") {
      this.stats.acksReceived++;
      if (!link.ack(frame.n, frame.sack ?? [], now)) this.stats.forgedAck++;
      return;
    }
    if (frame.type !== "bundle") return this.#request(member!, link, frame, now);
    let requests;
    try {
      requests = bundledRequests(frame);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.stats.badFrame++;
      return;
    }
    for (const [i, request] of requests.entries()) {
      if (!this.#members.has(member!)) break; // it left
      this.#request(member!, link, request, now, i === requests.length - 1);
    }
  }

  /** Takes one request off a member's stream, in order, and handles what it completes. */
  #request(
    member: Member,
    link: MemberLink,
    frame: ClientRequest,
    now: number,
    acknowledge = true,
  ): void {
    // Over its rate, a request is not taken (nor acknowledged): the client paces itself, and one
    // that does not only makes itself send again. The parts of a long message count once.
    if (!link.requests.holds(frame.n) && completesRequest(frame) && !link.allowance.take(now)) {
      this.stats.rateLimited++;
      this.#notes?.incoming(`rate-limited n=${frame.n}: not taken`);
      if (acknowledge) link.requests.sendAck(now);
      return;
    }
    const ready = link.requests.receive(frame.n, frame, now, acknowledge);
    if (ready === undefined) this.stats.tooFarAhead++;
    for (const part of ready ?? []) {
      if (!this.#members.has(member)) break; // it left
      this.#requests.fromStream(member, link, part, now);
    }
  }

  /**
   * Fires what is due: removes silent members, retransmits, acknowledges.
   *
   * @param now The current time in ms.
   * @param inputQueued The server has datagrams it has not read yet: every
   *   member's retransmissions by timeout wait a millisecond at a time (their
   *   acknowledgements may be among them), while everything else goes on.
   */
  tick(now: number, inputQueued = false): void {
    if (inputQueued) this.#hold.until = now + 1;
    for (const key of this.#shedding.expire(now)) this.#budget.limit(key, RELEASED_BURST, now);
    this.#feed.flushDue(now);
    this.#refreshDeadlines();
    const due: Member[] = [];
    while (this.#deadlines.minKey <= now) due.push(this.#deadlines.pop()!);
    for (const member of due) {
      if (!this.#members.has(member)) continue;
      this.#touch(member);
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
    const unsaved = this.#feed.close(now);
    if (unsaved > 0) {
      const events = unsaved === 1 ? "1 room event" : `${unsaved} room events`;
      const text = `${events} could not be written to the transcript, ` +
        `which ends at #${this.#feed.seq - unsaved}`;
      this.#output.report({ event: { type: "journal", text, time: now } });
    }
  }

  /**
   * Takes what the room wants sent and logged since the last call.
   *
   * @returns Datagrams to send, in order, and log entries.
   */
  poll(): { transmits: readonly Transmit[]; events: readonly RoomLogEntry[] } {
    this.#turn.drain(this.#endTurn);
    return this.#output.take();
  }

  /**
   * When {@linkcode Room.tick} should next run.
   *
   * @returns A time in ms, or `undefined` when nothing is due (no member, no notice waiting).
   */
  deadline(): number | undefined {
    this.#refreshDeadlines();
    const soonest = Math.min(this.#feed.due, this.#shedding.deadline() ?? Infinity);
    for (let member = this.#deadlines.min; member; member = this.#deadlines.min) {
      if (this.#members.has(member)) return Math.min(this.#deadlines.minKey, soonest);
      this.#deadlines.delete(member); // gone
    }
    return soonest === Infinity ? undefined : soonest;
  }

  /**
   * The sources the room now drops unread for flooding, when that list has
   * changed since the last call: the socket loop may have the kernel drop
   * their datagrams instead (see `shedding.ts`).
   *
   * @returns Each source shed, or undefined when the list is unchanged.
   */
  shed(): Address[] | undefined {
    return this.#shedding.take();
  }

  /** Works out again the deadlines of members whose timers may have moved. */
  #refreshDeadlines(): void {
    this.#dirty.drain(this.#refreshDeadline);
  }

  /** Works out again one member's deadline. */
  readonly #refreshDeadline = (member: Member): void => {
    if (!this.#members.has(member)) return this.#deadlines.delete(member);
    const silent = member.lastHeard + member.channel.timeout + 1;
    this.#deadlines.set(member, Math.min(silent, nextDeadline(member.channel.timers) ?? Infinity));
  };

  /** Sends what a member's turn queued, if it is still here. */
  readonly #endTurn = (member: Member): void => {
    if (this.#members.has(member)) member.channel.endTurn();
  };

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
    const renewing = existingLink && nickKey(existing!.nick) === nickKey(proved.nick);
    const allowance = renewing ? existingLink!.allowance : this.#allowance(now, JITTER_SLACK);
    const link = this.#door.link(session, from, allowance, now);
    if (renewing) {
      // The same client starting over (it lost its stream): keep it, renew the streams, and
      // carry over what it has not acknowledged, after the history it missed before that.
      const pending = existingLink.drain();
      const firstPending = pending.find((e) => e.seq !== undefined)?.seq;
      existing!.channel = link;
      existing!.lastHeard = now;
      this.#welcome(existing!);
      this.#replay(link, last, firstPending ?? Infinity, now);
      return link.carryOver(pending, now);
    }
    const banned = this.#moderation.banned(from.hostname, now);
    if (banned !== undefined) {
      const left = banned === Infinity ? "" : ` for ${banned} more minutes`;
      const reason = `You are banned from this room${left}`;
      return this.#door.refuse(from, key, session, "banned", reason, size, now);
    }
    if (existing) this.#remove(existing, "quit", now);
    this.#door.forget(key);
    this.#departed.delete(key);
    if (this.#members.size >= this.#maxMembers) {
      const reason = `The room is full (${this.#maxMembers} members)`;
      return this.#door.refuse(from, key, session, "room-full", reason, size, now);
    }
    if (this.#crowded(from.hostname)) {
      const reason = `${from.hostname} already has ${this.#maxPerIp} members in this room`;
      return this.#door.refuse(from, key, session, "address-full", reason, size, now);
    }
    const twin = this.#members.lookalike(proved.nick);
    if (twin) {
      const reason =
        `Nickname '${proved.nick}' looks like '${twin.nick}', who is here: pick another`;
      return this.#door.refuse(from, key, session, "bad-nick", reason, size, now);
    }
    const nick = this.#members.freeNick(proved.nick);
    // A client that was here before (it names an epoch) comes back quietly: after a reconnect,
    // or a restart of the server, whose new epoch it cannot know; its roster still learns of it.
    const back = frame.epoch !== undefined &&
      (frame.epoch === this.#epoch || now < (this.#bornAt ?? now) + RESTART_GRACE);
    const member: Member = {
      key,
      address: from,
      nick,
      lastHeard: now,
      since: now,
      said: 0,
      channel: link,
    };
    const join = { type: "join", nick, time: now, ...(back ? { back } : {}) } as const;
    const admitted = this.#feed.offer(join, now, key, () => {
      this.#members.add(member);
      this.#lastArrival = now;
      this.#welcome(member);
      this.#replay(link, last, Infinity, now);
    });
    if (!admitted) this.#door.refuse(from, key, session, "cannot-save", NOT_SAVED, size, now);
  }

  #welcome(member: Member): void {
    this.#door.welcome(member, {
      epoch: this.#epoch,
      seq: this.#feed.seq,
      members: this.#members.size,
      heartbeat: this.#heartbeatNow(),
      rate: this.#rate,
      burst: roomBurst(this.#rate),
      ...(this.#moderation.topic ? { topic: this.#moderation.topic } : {}),
    });
  }

  /**
   * Answers a ping with the interval for the room's size and the next ping
   * slot: a burst of pings costs the server one wake-up where pings spread
   * over the interval cost one each (1,000 idle members: ~6× the CPU,
   * measured). No slot while a class arrives: it would add every member's
   * ping to the joins' burst.
   */
  #pong(link: MemberLink, t: number, now: number): void {
    const heartbeat = this.#heartbeatNow();
    const settled = now - this.#lastArrival >= SETTLED_AFTER;
    link.pong(t, heartbeat, settled ? untilSlot(now, heartbeat) : undefined);
  }

  /** The idle ping interval for the room's size now: rarer pings in a large room. */
  #heartbeatNow(): number {
    return roomHeartbeat(this.#members.size, this.#heartbeat, this.#timeout);
  }

  /**
   * A new member's allowance: the room's rate, after a burst of four times as many (and the
   * slack for a client that paces itself; a plain-text member does not).
   */
  #allowance(now: number, slack = 0): TokenBucket {
    return new TokenBucket(this.#rate, roomBurst(this.#rate) + slack, now);
  }

  /** Queues the roster, then history: all of it for a newcomer, what it missed for one coming back. */
  #replay(link: MemberLink, last: number | undefined, until: number, now: number): void {
    link.queueParts(this.#roster.parts(this.#members.joined, this.#members.changes), now);
    for (const event of groupRuns(this.#feed.history.replay(last, until))) {
      link.queue(event, now);
    }
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
      if (this.#moderation.banned(from.hostname, now) !== undefined) return;
      const admitted = this.#door.plainText(line, from, key, now, this.#allowance(now));
      if (admitted === undefined || this.#members.size >= this.#maxMembers) return;
      if (this.#crowded(from.hostname)) return;
      admitted.nick = this.#members.freeNick(admitted.nick);
      const join = { type: "join", nick: admitted.nick, time: now } as const;
      if (!this.#feed.offer(join, now, key, () => this.#members.add(admitted))) {
        return admitted.channel.reply("cannot-save", NOT_SAVED, now);
      }
      if (admitted.channel instanceof LegacyPeer) {
        admitted.channel.tell(`you are ${admitted.nick}: ${LEGACY_HELP}`);
      }
      return;
    }
    member.lastHeard = now;
    this.#requests.fromLine(member, member.channel, line, text, now);
  }

  /** Keeps what a departing member was told last, to repeat it if that datagram is lost. */
  #depart(key: string, link: MemberLink, told: Uint8Array, now: number): void {
    this.#departed.set(key, { token: link.token, ack: told, until: now + this.#timeout });
  }

  #remove(member: Member, reason: LeaveReason, now: number): void {
    if (!this.#members.remove(member)) return;
    this.#feed.announce({ type: "leave", nick: member.nick, reason, time: now }, now);
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

/**
 * Datagrams one source may have handled per second, before decoding: enough
 * for a member's requests at the room's rate, its acknowledgements and pings
 * with room to spare; a flood beyond it is dropped unread.
 */
function datagramBudget(rate: number): RateLimiter {
  const perSecond = 200 + 20 * rate;
  return new RateLimiter({ perSecond, burst: 2 * perSecond, maxKeys: 4096 });
}

/** For this long after a server starts, a join naming another epoch is a member coming back, in ms. */
const RESTART_GRACE = 60_000;

/** Members are given a ping slot once nobody has arrived for this long, in ms. */
const SETTLED_AFTER = 5_000;
