/**
 * What the teacher has decided about the room: who is banned (by IP
 * address, so a new nickname or port does not help) and until when, who is
 * muted, and the topic. Rebuilt from the transcript's `teacher` events on a
 * restart, so a restart does not undo a ban.
 *
 * @module
 */

import type { TeacherEvent } from "./frame.ts";
import { nickKey } from "./nick.ts";

/**
 * The room's bans, mutes and topic.
 *
 * @example Usage
 * ```ts
 * import { Moderation } from "./moderation.ts";
 * import { equal } from "node:assert/strict";
 *
 * const moderation = new Moderation();
 * moderation.ban("10.0.0.7", 10, 0);
 * equal(moderation.banned("10.0.0.7", 60_000), 9); // minutes left
 * equal(moderation.banned("10.0.0.7", 600_001), undefined);
 * ```
 */
export class Moderation {
  #bans = new Map<string, number>();
  #muted = new Set<string>();
  /** The room's topic ("" for none). */
  topic = "";

  /**
   * Bans an IP address.
   *
   * @param ip The address (without port).
   * @param minutes For how long; `undefined` for as long as the room lasts.
   * @param now The current time in ms.
   */
  ban(ip: string, minutes: number | undefined, now: number): void {
    this.#bans.set(ip, minutes === undefined ? Infinity : now + minutes * 60_000);
  }

  /**
   * Lifts a ban.
   *
   * @param ip The address.
   * @returns Whether it was banned.
   */
  unban(ip: string): boolean {
    return this.#bans.delete(ip);
  }

  /**
   * Whether an IP address is banned now.
   *
   * @param ip The address.
   * @param now The current time in ms.
   * @returns Whole minutes left (`Infinity` for no end), or `undefined` when it is not banned.
   */
  banned(ip: string, now: number): number | undefined {
    const until = this.#bans.get(ip);
    if (until === undefined) return undefined;
    if (until <= now) {
      this.#bans.delete(ip);
      return undefined;
    }
    return until === Infinity ? Infinity : Math.ceil((until - now) / 60_000);
  }

  /** The banned addresses, with their minutes left. */
  bans(now: number): Array<[string, number]> {
    return [...this.#bans.keys()].flatMap((ip) => {
      const left = this.banned(ip, now);
      return left === undefined ? [] : [[ip, left] as [string, number]];
    });
  }

  /**
   * Mutes or unmutes a nickname.
   *
   * @param nick The nickname.
   * @param muted Whether its messages are refused.
   */
  mute(nick: string, muted: boolean): void {
    if (muted) this.#muted.add(nickKey(nick));
    else this.#muted.delete(nickKey(nick));
  }

  /**
   * Whether a nickname is muted.
   *
   * @param nick The nickname.
   * @returns `true` if its messages are refused.
   */
  muted(nick: string): boolean {
    return this.#muted.has(nickKey(nick));
  }

  /**
   * Follows a muted member's rename.
   *
   * @param from The old nickname.
   * @param to The new one.
   */
  renamed(from: string, to: string): void {
    if (this.muted(from)) {
      this.mute(from, false);
      this.mute(to, true);
    }
  }

  /**
   * Replays a `teacher` event from the transcript.
   *
   * @param event The event.
   * @param scope For bans: the IP address the transcript recorded.
   * @param now The current time in ms.
   */
  restore(event: TeacherEvent, scope: string | undefined, now: number): void {
    switch (event.action) {
      case "topic":
        this.topic = event.text ?? "";
        break;
      case "ban":
        if (scope === undefined) break;
        if (event.minutes === undefined) this.ban(scope, undefined, now);
        else if (event.time + event.minutes * 60_000 > now) {
          this.#bans.set(scope, event.time + event.minutes * 60_000);
        }
        break;
      case "unban":
        if (scope !== undefined) this.unban(scope);
        break;
      case "mute":
      case "unmute":
        if (event.nick) this.mute(event.nick, event.action === "mute");
    }
  }
}
