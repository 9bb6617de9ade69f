/**
 * Who is in the room, found by address or by nickname: the server's one
 * register of members. Nicknames are unique without regard to case or width,
 * and no two look alike (`nick.ts` has the rules).
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { LegacyPeer } from "./legacy.ts";
import type { MemberLink } from "./member_link.ts";
import { nickKey, nickSkeleton, uniqueNick } from "./nick.ts";

/** One member of the room. */
export interface Member {
  /** Its address as a map key (`addressKey`). */
  readonly key: string;
  /** Where it is. */
  readonly address: Address;
  /** Its nickname now. */
  nick: string;
  /** When it was last heard from, in ms. */
  lastHeard: number;
  /** When it joined, in ms. */
  readonly since: number;
  /** Messages and actions it sent. */
  said: number;
  /** How events reach it: v2 streams or plain text. */
  channel: MemberLink | LegacyPeer;
}

/**
 * The members, by address and by nickname.
 *
 * @example Usage
 * ```ts
 * import { Membership } from "./membership.ts";
 * import { equal } from "node:assert/strict";
 *
 * const members = new Membership();
 * equal(members.freeNick("Ann"), "Ann");
 * ```
 */
export class Membership {
  #byAddress = new Map<string, Member>();
  #byNick = new Map<string, Member>();
  #bySkeleton = new Map<string, Member>();
  /** The nicknames in order, kept as members come and go: the answer to `who`. */
  #sorted: string[] = [];
  /** The nicknames in the order members joined: the roster each joiner is sent. */
  #joined: string[] = [];
  /** Names that left {@linkcode Membership.joined} or changed there, counted. */
  #changes = 0;

  /** How many members there are. */
  get size(): number {
    return this.#byAddress.size;
  }

  /** Their nicknames, in alphabetical order. */
  get nicks(): string[] {
    return [...this.#sorted];
  }

  /** Their nicknames, in the order they joined: not a copy, so read it at once. */
  get joined(): readonly string[] {
    return this.#joined;
  }

  /**
   * How many times a name has left {@linkcode Membership.joined} or changed
   * there: while it stays the same, the list has only grown at its end.
   */
  get changes(): number {
    return this.#changes;
  }

  /** Every member, in the order they joined; a copy, so members may leave meanwhile. */
  all(): Member[] {
    return [...this.#byAddress.values()];
  }

  /**
   * Every member, in the order they joined, without a copy. A member removed
   * during the walk is not visited after.
   */
  each(): IterableIterator<Member> {
    return this.#byAddress.values();
  }

  /**
   * Visits every member, in the order they joined, as
   * {@linkcode Membership.each} walks them but making no garbage: the
   * relay's walk, once per event.
   *
   * @param visit Called with each member.
   */
  forEach(visit: (member: Member) => void): void {
    this.#byAddress.forEach(visit);
  }

  /**
   * The member at an address.
   *
   * @param key The address's key.
   * @returns The member, if any.
   */
  at(key: string): Member | undefined {
    return this.#byAddress.get(key);
  }

  /**
   * The member with a nickname, compared without regard to case.
   *
   * @param nick A nickname.
   * @returns The member, if any.
   */
  named(nick: string): Member | undefined {
    return this.#byNick.get(nickKey(nick));
  }

  /**
   * Another member whose nickname looks like this one: the same on screen, not the same name.
   *
   * @param nick A valid nickname.
   * @param except The member asking (a rename may look like its own name).
   * @returns The member it would be confused with, if any.
   */
  lookalike(nick: string, except?: Member): Member | undefined {
    const member = this.#bySkeleton.get(nickSkeleton(nick));
    return member === except || member?.nick === undefined || nickKey(member.nick) === nickKey(nick)
      ? undefined
      : member;
  }

  /**
   * Whether this exact member is still in the room.
   *
   * @param member A member.
   * @returns `true` while it has not left.
   */
  has(member: Member): boolean {
    return this.#byAddress.get(member.key) === member;
  }

  /**
   * The nickname itself if free, else the first free variant (`ann2`, `ann3`, …).
   *
   * @param nick A valid nickname.
   * @returns A nickname nobody has.
   */
  freeNick(nick: string): string {
    return uniqueNick(
      nick,
      (n) => this.#byNick.has(nickKey(n)) || this.#bySkeleton.has(nickSkeleton(n)),
    );
  }

  /**
   * Adds a member; its nickname must be free.
   *
   * @param member The member.
   */
  add(member: Member): void {
    this.#sorted.splice(sortedIndex(this.#sorted, member.nick), 0, member.nick);
    this.#joined.push(member.nick);
    this.#byAddress.set(member.key, member);
    this.#byNick.set(nickKey(member.nick), member);
    this.#bySkeleton.set(nickSkeleton(member.nick), member);
  }

  /**
   * Removes a member.
   *
   * @param member The member.
   * @returns Whether it was in the room.
   */
  remove(member: Member): boolean {
    if (!this.has(member)) return false;
    this.#unsort(member.nick);
    this.#unjoin(member.nick);
    this.#byAddress.delete(member.key);
    this.#byNick.delete(nickKey(member.nick));
    this.#bySkeleton.delete(nickSkeleton(member.nick));
    return true;
  }

  /**
   * Gives a member a new nickname, which must be free (or its own in another case).
   *
   * @param member The member.
   * @param nick The new nickname.
   */
  rename(member: Member, nick: string): void {
    this.#unsort(member.nick);
    this.#sorted.splice(sortedIndex(this.#sorted, nick), 0, nick);
    this.#changes++;
    const at = this.#joined.indexOf(member.nick);
    if (at >= 0) this.#joined[at] = nick;
    this.#byNick.delete(nickKey(member.nick));
    this.#bySkeleton.delete(nickSkeleton(member.nick));
    member.nick = nick;
    this.#byNick.set(nickKey(nick), member);
    this.#bySkeleton.set(nickSkeleton(nick), member);
  }

  /** Empties the room. */
  clear(): void {
    this.#sorted = [];
    this.#joined = [];
    this.#changes++;
    this.#byAddress.clear();
    this.#byNick.clear();
    this.#bySkeleton.clear();
  }

  #unjoin(nick: string): void {
    const at = this.#joined.indexOf(nick);
    if (at >= 0) this.#joined.splice(at, 1);
    this.#changes++;
  }

  #unsort(nick: string): void {
    // Names the collator ranks equal may sit either side of where the search lands.
    const at = sortedIndex(this.#sorted, nick);
    const index = [at, at - 1, at + 1].find((i) => this.#sorted[i] === nick) ??
      this.#sorted.indexOf(nick);
    if (index >= 0) this.#sorted.splice(index, 1);
  }
}

/** Alphabetical order as people expect it (ICU's, as `localeCompare` without a locale), made once. */
const byName = new Intl.Collator();

/** Where `nick` goes in sorted `nicks`: the first place whose name ranks after it. */
function sortedIndex(nicks: readonly string[], nick: string): number {
  let low = 0;
  let high = nicks.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byName.compare(nicks[middle], nick) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
