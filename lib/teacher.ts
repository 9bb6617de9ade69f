/**
 * The teacher's actions on a room — who is here, kick, ban, unban, mute,
 * say, topic, rate — as the server's console calls them. Each is a room
 * event (announced to everyone, kept in the transcript); this is the only
 * place a member is removed by anyone but itself.
 *
 * @module
 */

import type { DistributiveOmit, TeacherEvent } from "./frame.ts";
import { MemberLink } from "./member_link.ts";
import type { Member, Membership } from "./membership.ts";
import type { Moderation } from "./moderation.ts";

/** What the teacher's actions need of the room. */
export interface TeacherRoom {
  /** The members. */
  readonly members: Membership;
  /** Bans, mutes and the topic. */
  readonly moderation: Moderation;
  /** Announces a teacher event to everyone; `scope` is the address it concerns, for the transcript. */
  announce(event: DistributiveOmit<TeacherEvent, "seq">, now: number, scope?: string): void;
  /** Changes the room's rate for everyone. */
  retune(rate: number, now: number): void;
  /** Takes a removed member out, remembering what it was told, to repeat should it keep sending. */
  depart(member: Member, told: Uint8Array, now: number): void;
}

/**
 * The teacher in charge of one room.
 *
 * @example Usage
 * ```ts
 * import { Room } from "./room.ts";
 * import { throws } from "node:assert/strict";
 *
 * const room = new Room();
 * throws(() => room.teacher.kick("nobody", "spam", 0), /No member is called 'nobody'/);
 * ```
 */
export class Teacher {
  readonly #room: TeacherRoom;

  /**
   * Puts a teacher in charge of a room.
   *
   * @param room What the teacher's actions need of the room.
   */
  constructor(room: TeacherRoom) {
    this.#room = room;
  }

  /**
   * Who is here, for the teacher's `/who`.
   *
   * @returns One entry per member, in joining order.
   */
  who(): MemberInfo[] {
    return this.#room.members.all().map((member) => {
      const link = member.channel instanceof MemberLink ? member.channel : undefined;
      const { sent = 0, retransmitted = 0 } = link?.counters ?? {};
      return {
        nick: member.nick,
        address: member.key,
        since: member.since,
        said: member.said,
        plainText: link === undefined,
        muted: this.#room.moderation.muted(member.nick),
        ...(link?.rtt === undefined ? {} : { rtt: link.rtt }),
        ...(sent === 0 ? {} : { loss: retransmitted / (sent + retransmitted) }),
      };
    });
  }

  /** The banned addresses, with their minutes left (`Infinity`: until the room ends). */
  bans(now: number): Array<[string, number]> {
    return this.#room.moderation.bans(now);
  }

  /**
   * The teacher speaks to the room: shown distinctly by every client, legacy members included.
   *
   * @param text The announcement.
   * @param now The current time in ms.
   */
  say(text: string, now: number): void {
    this.#room.announce({ type: "teacher", action: "say", text, time: now }, now);
  }

  /**
   * Records that the server was started again on its transcript: one line for
   * everyone, instead of a join for each member coming back.
   *
   * @param now The current time in ms.
   */
  restarted(now: number): void {
    this.#room.announce({ type: "teacher", action: "restart", time: now }, now);
  }

  /**
   * Sets the room's topic: shown in clients' status lines and to joiners.
   *
   * @param text The topic ("" to clear it).
   * @param now The current time in ms.
   */
  setTopic(text: string, now: number): void {
    this.#room.moderation.topic = text;
    this.#room.announce({ type: "teacher", action: "topic", text, time: now }, now);
  }

  /**
   * Sets the room's rate for every member (`/slow`).
   *
   * @param rate Requests a member may make per second.
   * @param now The current time in ms.
   * @throws {RangeError} Unless it is above 0.
   */
  setRate(rate: number, now: number): void {
    this.#room.retune(rate, now);
    this.#room.announce({ type: "teacher", action: "slow", rate, time: now }, now);
  }

  /**
   * Removes a member; it is told why and does not come back by itself.
   *
   * @param nick The member.
   * @param reason Why, shown to everyone.
   * @param now The current time in ms.
   * @throws {RangeError} If nobody is called that.
   */
  kick(nick: string, reason: string | undefined, now: number): void {
    this.#removeByTeacher(this.#named(nick), "kick", reason, undefined, now);
  }

  /**
   * Bans an IP address — a member's, by its nickname, or given — and removes
   * whoever is there. Joins from it are refused while it lasts, whatever the nickname.
   *
   * @param target A nickname, an IP address or an `IP:PORT`.
   * @param minutes How long; `undefined` until the room ends.
   * @param reason Why, shown to everyone.
   * @param now The current time in ms.
   * @returns The banned IP address.
   * @throws {RangeError} If the target is neither a member nor an address.
   */
  ban(
    target: string,
    minutes: number | undefined,
    reason: string | undefined,
    now: number,
  ): string {
    const member = this.#room.members.named(target);
    const ip = member ? member.address.hostname : ipOf(target);
    this.#room.moderation.ban(ip, minutes, now);
    const there = this.#room.members.all().filter((m) => m.address.hostname === ip);
    for (const victim of there) this.#removeByTeacher(victim, "ban", reason, minutes, now, ip);
    if (there.length === 0) {
      const event = {
        type: "teacher" as const,
        action: "ban" as const,
        nick: ip,
        ...(reason ? { text: reason } : {}),
        ...(minutes ? { minutes } : {}),
        time: now,
      };
      this.#room.announce(event, now, ip);
    }
    return ip;
  }

  /**
   * Lifts a ban.
   *
   * @param target The banned IP address (or `IP:PORT`).
   * @param now The current time in ms.
   * @throws {RangeError} If that address is not banned.
   */
  unban(target: string, now: number): void {
    const ip = ipOf(target);
    if (!this.#room.moderation.unban(ip)) throw new RangeError(`${ip} is not banned`);
    this.#room.announce({ type: "teacher", action: "unban", nick: ip, time: now }, now, ip);
  }

  /**
   * Mutes or unmutes a member: its messages are refused, with a notice to it only.
   *
   * @param nick The member.
   * @param muted Whether to mute.
   * @param now The current time in ms.
   * @throws {RangeError} If nobody is called that.
   */
  mute(nick: string, muted: boolean, now: number): void {
    const member = this.#named(nick);
    this.#room.moderation.mute(member.nick, muted);
    const action = muted ? "mute" as const : "unmute" as const;
    this.#room.announce({ type: "teacher", action, nick: member.nick, time: now }, now);
  }

  #named(nick: string): Member {
    const member = this.#room.members.named(nick);
    if (member === undefined) throw new RangeError(`No member is called '${nick}'`);
    return member;
  }

  /** Tells a member it was removed (again, should it keep sending), then announces it. */
  #removeByTeacher(
    member: Member,
    action: "kick" | "ban",
    reason: string | undefined,
    minutes: number | undefined,
    now: number,
    scope?: string,
  ): void {
    this.#room.depart(member, member.channel.removed(action, reason, minutes), now);
    const event = {
      type: "teacher" as const,
      action,
      nick: member.nick,
      ...(reason ? { text: reason } : {}),
      ...(minutes ? { minutes } : {}),
      time: now,
    };
    this.#room.announce(event, now, scope);
  }
}

/** The IP address in a teacher's ban target: `10.0.0.7` or `10.0.0.7:50122` (or `[::1]:5000`). */
function ipOf(target: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(target);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(target);
  if (v4) return v4[1];
  if (target.includes(":") && !/^[\d.]+:\d+$/.test(target)) return target; // IPv6 without a port
  throw new RangeError(`No member or address '${target}': give a nickname or an IP address`);
}

/** A member as the teacher's `/who` lists it. */
export interface MemberInfo {
  /** Nickname. */
  nick: string;
  /** Its address, `IP:PORT`. */
  address: string;
  /** When it joined, in ms since 1970. */
  since: number;
  /** Messages and actions it sent. */
  said: number;
  /** A plain-text (legacy) member. */
  plainText: boolean;
  /** Muted by the teacher. */
  muted: boolean;
  /** Round-trip time, once measured, in ms. */
  rtt?: number;
  /** The share of frames to it that had to be sent again: its loss, roughly. */
  loss?: number;
}
