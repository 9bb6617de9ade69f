/**
 * How an address becomes a member, the server's side: a v2 `join` gets a
 * `retry` until it echoes its cookie, then its password proof and nickname
 * are checked; a plain-text client gets its join code until it types it back.
 * Every answer to an address that is not in yet goes through here, so it is
 * small, rare and never amplifying (`admission.ts`). What depends on who is
 * in the room — renewals, replacements, a full room, look-alikes — stays in
 * `room.ts`.
 *
 * @module
 */

import { Admission } from "./admission.ts";
import type { Address } from "./address.ts";
import { base64url, sameSecret } from "./crypto.ts";
import { Envelope } from "./envelope.ts";
import { type ClientFrame, encodeShortened, type ShortenableFrame } from "./frame.ts";
import type { ErrorCode } from "./frame_error.ts";
import { envelopeKeys, joinProof, type RoomSecret, welcomeProof } from "./handshake.ts";
import { type LegacyLine, LegacyPeer, legacyPrompt } from "./legacy.ts";
import { MemberLink } from "./member_link.ts";
import type { Member } from "./membership.ts";
import { validateNick } from "./nick.ts";
import { RateLimiter, type TokenBucket } from "./rate_limit.ts";
import type { RoomStats } from "./room_log.ts";
import type { StreamOptions } from "./stream.ts";
import type { DatagramArena } from "./datagram_arena.ts";

/** What the door needs to know about the room. */
export interface DoorOptions {
  /** The room's name, for welcomes and prompts. */
  name: string;
  /** A v2 member silent this long is removed, in ms. */
  timeout: number;
  /** A legacy member silent this long is removed, in ms. */
  legacyTimeout: number;
  /** Most payloads queued for a member before it is too far behind. */
  maxBacklog: number;
  /** Window and timers of each member's stream. */
  stream: StreamOptions;
  /** Whether plain-text clients may join. */
  legacy: boolean;
  /** The room password's key, if the room has one. */
  secret: RoomSecret | undefined;
  /** Secure random bytes. */
  random: (count: number) => Uint8Array;
  /** Puts a datagram on the wire. */
  send: (to: Address, data: Uint8Array) => void;
  /** Where members' stream datagrams are written (the machine's `arena`). */
  arena?: DatagramArena;
  /** The room's counters. */
  stats: RoomStats;
}

/** A v2 join that proved its address (and password): the room decides the rest. */
export interface ProvedJoin {
  /** The client's session nonce. */
  session: string;
  /** The nickname asked for, valid and normalised. */
  nick: string;
}

/** What a welcome says about the room. */
export interface RoomFacts {
  /** The room's epoch. */
  epoch: string;
  /** The last room sequence number. */
  seq: number;
  /** Members now. */
  members: number;
  /** Ping interval asked of clients, in ms. */
  heartbeat: number;
  /** Requests a member may make per second. */
  rate: number;
  /** Requests a member may make at once. */
  burst: number;
}

/**
 * The server's door.
 *
 * @example Usage
 * ```ts
 * import { Door } from "./door.ts";
 * import { encodePadded } from "./frame.ts";
 * import { streamCounters } from "./stream.ts";
 * import { equal } from "node:assert/strict";
 *
 * const sent: Uint8Array[] = [];
 * const door = new Door(new Uint8Array(32), {
 *   name: "lab", timeout: 30_000, legacyTimeout: 600_000, maxBacklog: 100, stream: {},
 *   legacy: true, secret: undefined, random: (n) => new Uint8Array(n),
 *   send: (_, data) => sent.push(data),
 *   stats: { datagrams: 0, overBudget: 0, shed: 0, datagramsOut: 0, relayed: 0, ...streamCounters(), acksReceived: 0, garbage: 0, oversize: 0,
 *     badFrame: 0, notJoined: 0, forged: 0, unvalidated: 0, rateLimited: 0, forgedAck: 0,
 *     tooFarAhead: 0 },
 * });
 * const join = { type: "join", nick: "ann", session: "s1" } as const;
 * const from = { hostname: "10.0.0.2", port: 5000 };
 * door.received("10.0.0.2:5000", 256);
 * equal(door.join(join, from, "10.0.0.2:5000", 256, 0), undefined); // answered with a retry
 * equal(JSON.parse(new TextDecoder().decode(sent[0])).type, "retry");
 * ```
 */
export class Door {
  readonly #admission: Admission;
  readonly #options: DoorOptions;
  readonly #refusals = new RateLimiter({ burst: 5, perSecond: 2 });

  /**
   * Creates the door.
   *
   * @param secret Random bytes for cookies and join codes, kept for the server's lifetime.
   * @param options The room's settings.
   */
  constructor(secret: Uint8Array, options: DoorOptions) {
    this.#admission = new Admission(secret);
    this.#options = options;
  }

  /**
   * Counts a datagram from an address that is not in: its reply budget.
   *
   * @param key The address's key.
   * @param size The datagram's size.
   */
  received(key: string, size: number): void {
    this.#admission.received(key, size);
  }

  /**
   * Checks a `join`: sends `retry` until the cookie comes back, then checks the password proof and
   * the nickname, refusing (politely, never amplifying) what fails.
   *
   * @param frame The join.
   * @param from Its source.
   * @param key The source's key.
   * @param size The datagram's size.
   * @param now The current time in ms.
   * @returns The proved join, or `undefined` when it was answered here.
   */
  join(
    frame: Extract<ClientFrame, { type: "join" }>,
    from: Address,
    key: string,
    size: number,
    now: number,
  ): ProvedJoin | undefined {
    const { session } = frame;
    const secret = this.#options.secret;
    if (!this.#admission.validCookie(key, session, frame.cookie ?? "", now)) {
      this.#options.stats.unvalidated++;
      const budget = this.#admission.reserve(key, now, "retry");
      if (budget === undefined) return undefined;
      const cookie = this.#admission.cookie(key, session, now);
      const salt = secret ? { salt: secret.salt } : {};
      this.#sendWithin(
        from,
        key,
        { type: "retry", session, cookie, ...salt },
        Math.min(size, budget),
      );
      return undefined;
    }
    if (
      secret &&
      !sameSecret(frame.proof ?? "", joinProof(secret, session, frame.cookie!, frame.nick))
    ) {
      this.refuse(from, key, session, "bad-password", "Wrong room password", size, now);
      return undefined;
    }
    try {
      return { session, nick: validateNick(frame.nick) };
    } catch (error) {
      this.refuse(from, key, session, "bad-nick", (error as Error).message, size, now);
      return undefined;
    }
  }

  /**
   * Answers a plain-text line from an address that is not a member: with its
   * join code, until the right one comes back.
   *
   * @param line What the line says.
   * @param from Its source.
   * @param key The source's key.
   * @param now The current time in ms.
   * @param allowance The lines it may send, should it get in.
   * @returns A new legacy member for the room to add, when the code was right.
   */
  plainText(
    line: LegacyLine,
    from: Address,
    key: string,
    now: number,
    allowance: TokenBucket,
  ): Member | undefined {
    const { legacy, secret, name } = this.#options;
    if (!legacy && secret === undefined) {
      this.#options.stats.notJoined++;
      return undefined;
    }
    if (line.type === "code" && legacy && this.#admission.tryJoinCode(key, line.code, now)) {
      this.#admission.forget(key);
      const member: Member = {
        key,
        address: from,
        nick: key,
        lastHeard: now,
        since: now,
        said: 0,
        channel: new LegacyPeer(from, () => member.nick, {
          timeout: this.#options.legacyTimeout,
          send: this.#options.send,
          allowance,
        }),
      };
      return member;
    }
    const budget = this.#admission.reserve(key, now, "other");
    if (budget === undefined) return undefined;
    const code = legacy ? this.#admission.joinCode(key, now) : undefined;
    const prompt = legacyPrompt(name, code, budget);
    if (prompt === undefined) return undefined;
    const bytes = new TextEncoder().encode(prompt);
    this.#admission.spend(key, bytes.length);
    this.#options.send(from, bytes);
    return undefined;
  }

  /**
   * A new session's link, with its token (and keys, with a password).
   *
   * @param session The client's session nonce.
   * @param to The member's address.
   * @param allowance The member's request allowance.
   * @param now The current time in ms.
   * @returns The link.
   */
  link(session: string, to: Address, allowance: TokenBucket, now: number): MemberLink {
    const { secret, random, timeout, maxBacklog, stream, send, arena } = this.#options;
    const token = base64url(random(16));
    const keys = secret && envelopeKeys(secret, session, token, "server");
    return new MemberLink(session, to, send, {
      timeout,
      maxBacklog,
      stream,
      envelope: new Envelope(token, keys, stream.notes, arena),
      allowance,
      since: now,
    });
  }

  /**
   * Sends a member its `welcome`.
   *
   * @param member A member with a v2 link.
   * @param facts What the welcome says about the room.
   */
  welcome(member: Member, facts: RoomFacts): void {
    const link = member.channel as MemberLink;
    const secret = this.#options.secret;
    const proof = secret && welcomeProof(secret, link.session, link.token);
    const welcome = {
      type: "welcome" as const,
      session: link.session,
      token: link.token,
      ...(proof ? { proof } : {}),
      nick: member.nick,
      room: this.#options.name,
      ...facts,
      timeout: this.#options.timeout,
    };
    this.#options.send(member.address, encodeShortened(welcome, "room", Infinity)!);
  }

  /**
   * Refuses a proved join, rate-limited and never larger than the join.
   *
   * @param to Where.
   * @param key Its key.
   * @param session The join's session nonce, echoed.
   * @param code Why, for programs.
   * @param reason Why, for people.
   * @param size The join's size.
   * @param now The current time in ms.
   */
  refuse(
    to: Address,
    key: string,
    session: string,
    code: ErrorCode,
    reason: string,
    size: number,
    now: number,
  ): void {
    if (!this.#refusals.allow(key, now)) return;
    const refused = encodeShortened({ type: "refused", session, code, reason }, "reason", size);
    if (refused) this.#options.send(to, refused);
  }

  /**
   * An `error` to an address that is not in: small, rare and never amplifying.
   *
   * @param to Where.
   * @param key Its key.
   * @param code Why, for programs.
   * @param message Why, for people.
   * @param size The size of the datagram it answers.
   * @param now The current time in ms.
   */
  answer(
    to: Address,
    key: string,
    code: ErrorCode,
    message: string,
    size: number,
    now: number,
  ): void {
    this.#sendLimited(to, key, { type: "error", code, message }, size, now);
  }

  /** Forgets an address's byte count once it is a member. */
  forget(key: string): void {
    this.#admission.forget(key);
  }

  #sendLimited(to: Address, key: string, frame: ShortenableFrame, size: number, now: number): void {
    const budget = this.#admission.reserve(key, now, "other");
    if (budget !== undefined) this.#sendWithin(to, key, frame, Math.min(size, budget));
  }

  /** Sends a reply to an unvalidated address, shortened to fit `limit` bytes (or not at all). */
  #sendWithin(to: Address, key: string, frame: ShortenableFrame, limit: number): void {
    const field = frame.type === "error" ? "message" : "reason";
    const data = encodeShortened(frame, field, limit);
    if (data === undefined) return;
    this.#admission.spend(key, data.length);
    this.#options.send(to, data);
  }
}
