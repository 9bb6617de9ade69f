/**
 * What a member asks of the room once it is in: to speak (`msg`, `action`),
 * a private message, a new nickname, who is here, to leave — from a v2
 * member's stream or a plain-text member's line alike. The teacher's mutes
 * apply here; every request that changes the transcript goes through the
 * room's feed, and is refused (with the reason, to the member only) when
 * the transcript cannot take it.
 *
 * @module
 */

import { Broadcast } from "./broadcast.ts";
import type { ClientRequest, LeaveReason } from "./frame.ts";
import { LEGACY_HELP, type LegacyLine, type LegacyPeer, whoLine } from "./legacy.ts";
import type { MemberLink } from "./member_link.ts";
import type { Member, Membership } from "./membership.ts";
import type { Moderation } from "./moderation.ts";
import { validateNick } from "./nick.ts";
import type { RoomFeed } from "./room_feed.ts";
import type { RoomLogEntry, RoomStats } from "./room_log.ts";
import { MAX_ID } from "./schema.ts";

/** What the requests act on: the room's parts, and what only the room does. */
export interface RequestRoom {
  /** The register of members. */
  readonly members: Membership;
  /** The teacher's decisions (mutes). */
  readonly moderation: Moderation;
  /** The path into the transcript. */
  readonly feed: RoomFeed;
  /** The room's counters. */
  readonly stats: RoomStats;
  /** The room's rate now, for telling a plain-text member to slow down. */
  rate(): number;
  /** Something was queued for a member: its timers may have moved. */
  touched(member: Member): void;
  /** Reports a log entry. */
  report(entry: RoomLogEntry): void;
  /** Removes a member, announcing why. */
  remove(member: Member, reason: LeaveReason, now: number): void;
  /** A v2 member leaves on request: its final ack is kept, then it is removed. */
  leave(member: Member, link: MemberLink, now: number): void;
}

/** What is refused while the transcript cannot be written. */
export const NOT_SAVED: string =
  "The server cannot save the room's transcript right now (its disk is " +
  "full or read-only); send it again later";

/** What a muted member is told when it speaks. */
const MUTED = "You are muted by the teacher: your messages are not sent";

/** Handles members' requests; the `Room` hands each one here once it is in order and allowed. */
export class Requests {
  readonly #room: RequestRoom;

  /**
   * Creates the handler for a room.
   *
   * @param room The room's parts.
   */
  constructor(room: RequestRoom) {
    this.#room = room;
  }

  /**
   * Handles a request (or one part of a long one) from a v2 member's stream, in stream order.
   *
   * @param member The member.
   * @param link Its streams.
   * @param part The request, or a part of it.
   * @param now The current time in ms.
   */
  fromStream(member: Member, link: MemberLink, part: ClientRequest, now: number): void {
    let request: ClientRequest | undefined;
    try {
      request = link.requests.assemble(part);
    } catch (error) {
      return link.reply("too-long", (error as Error).message, now);
    }
    const room = this.#room;
    switch (request?.type) {
      case "msg":
      case "action": {
        const { type, text } = request;
        const id = relayableId(request.id);
        if (room.moderation.muted(member.nick)) return link.reply("muted", MUTED, now, id);
        // A message resent after reconnecting may have been relayed already; ids are the sender's own.
        if (request.id !== undefined && room.feed.history.seen(member.key, request.id)) return;
        const event = { type, from: member.nick, text, time: now, ...(id ? { id } : {}) };
        if (!room.feed.offer(event, now, member.key)) {
          return link.reply("cannot-save", id ? NOT_SAVED : notSaved(text), now, id);
        }
        member.said++;
        return;
      }
      case "pm":
        if (room.moderation.muted(member.nick)) {
          return link.reply("muted", MUTED, now, relayableId(request.id));
        }
        return this.#privateMessage(member, request, now);
      case "rename":
        return this.#rename(member, request.nick, now);
      case "who":
        return link.queue({ type: "members", members: room.members.nicks }, now);
      case "leave":
        return room.leave(member, link, now);
    }
  }

  /**
   * Handles a plain-text member's line.
   *
   * @param member The member.
   * @param peer Its plain-text channel.
   * @param line The line, parsed.
   * @param text The line as typed (what is said, for a message).
   * @param now The current time in ms.
   */
  fromLine(member: Member, peer: LegacyPeer, line: LegacyLine, text: string, now: number): void {
    const room = this.#room;
    if (line.type === "quit") return room.remove(member, "quit", now);
    if (line.type === "keepalive") return;
    if (room.moderation.muted(member.nick) && (line.type === "say" || line.type === "code")) {
      return peer.warn("you are muted by the teacher: your lines are not sent", now);
    }
    // Commands count against the rate too: /who must not be a way around it.
    if (!peer.allowance.take(now)) {
      room.stats.rateLimited++;
      return peer.warn(
        `slow down: the room takes ${room.rate()} lines a second; lines over that are dropped`,
        now,
      );
    }
    switch (line.type) {
      case "nick":
        return this.#rename(member, line.nick, now);
      case "who":
        return peer.tell(whoLine(room.members.nicks));
      case "help":
        return peer.tell(LEGACY_HELP);
    }
    if (!room.feed.offer({ type: "msg", from: member.nick, text, time: now }, now, member.key)) {
      return peer.warn(notSaved(text), now);
    }
    member.said++;
  }

  #privateMessage(
    member: Member,
    request: Extract<ClientRequest, { type: "pm" }>,
    now: number,
  ): void {
    const room = this.#room;
    const target = room.members.named(request.to);
    if (target === undefined) {
      return member.channel.reply("no-such-nick", `No member is called '${request.to}'`, now);
    }
    const id = relayableId(request.id);
    const broadcast = new Broadcast({
      type: "pm",
      from: member.nick,
      to: target.nick,
      text: request.text,
      time: Math.floor(now),
      ...(id ? { id } : {}),
    });
    for (const recipient of target === member ? [member] : [target, member]) {
      recipient.channel.relay(broadcast, now);
      room.touched(recipient);
    }
    room.report({ event: { type: "pm", from: member.nick, to: target.nick, time: now } });
  }

  #rename(member: Member, wanted: string, now: number): void {
    const room = this.#room;
    const channel = member.channel;
    let nick: string;
    try {
      nick = validateNick(wanted);
    } catch (error) {
      return channel.reply("bad-nick", (error as Error).message, now);
    }
    const holder = room.members.named(nick);
    if (holder !== undefined && holder !== member) {
      return channel.reply("nick-taken", `Nickname '${nick}' is taken`, now);
    }
    const twin = room.members.lookalike(nick, member);
    if (twin) {
      return channel.reply(
        "bad-nick",
        `Nickname '${nick}' looks like '${twin.nick}', who is here`,
        now,
      );
    }
    if (nick === member.nick) return;
    const old = member.nick;
    const renamed = room.feed.offer(
      { type: "rename", from: old, nick, time: now },
      now,
      undefined,
      () => {
        room.members.rename(member, nick);
        room.moderation.renamed(old, nick);
      },
    );
    if (!renamed) channel.reply("cannot-save", NOT_SAVED, now);
  }
}

/** A message id short enough to relay back with the message; longer ones are dropped. */
function relayableId(id: string | undefined): string | undefined {
  return id !== undefined && id.length <= MAX_ID ? id : undefined;
}

/** A refused message, named by its start so its sender knows which one to send again. */
function notSaved(text: string): string {
  const start = text.length > 30 ? `${text.slice(0, 30)}…` : text;
  return `Not sent ("${start.replaceAll("\n", " ")}"): the server cannot save the room's ` +
    "transcript right now (its disk is full or read-only); send it again later";
}
