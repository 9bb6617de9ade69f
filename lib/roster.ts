/**
 * The member list as a client knows it: the roster the server sends after
 * every welcome, kept current by the live joins, leaves and renames that
 * follow. Replayed history is the past, not who is here now, so it is ignored.
 *
 * @module
 */

import type { ServerEvent } from "./frame.ts";

/**
 * Who is in the room.
 *
 * @example Usage
 * ```ts
 * import { Roster } from "./roster.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const roster = new Roster();
 * roster.reset("ann");
 * roster.apply({ type: "members", members: ["ann", "bob"], roster: true });
 * roster.apply({ type: "rename", seq: 4, from: "bob", nick: "rob", time: 0 });
 * deepEqual(roster.names, ["ann", "rob"]);
 * ```
 */
export class Roster {
  #names = new Set<string>();
  #me = "";

  /** The members, in alphabetical order. */
  get names(): string[] {
    return [...this.#names].sort((a, b) => a.localeCompare(b));
  }

  /**
   * Starts over after a welcome: only I am known to be here.
   *
   * @param me My nickname.
   */
  reset(me: string): void {
    this.#me = me;
    this.#names = new Set([me]);
  }

  /**
   * Applies an event from the stream; those that say nothing about membership are ignored.
   *
   * @param event A whole (assembled) stream event.
   */
  apply(event: ServerEvent): void {
    if ("history" in event && event.history) return;
    switch (event.type) {
      case "members":
        this.#names = new Set([...event.members, this.#me]);
        break;
      case "join":
        this.#names.add(event.nick);
        break;
      case "leave":
        this.#names.delete(event.nick);
        break;
      case "joins":
        for (const nick of event.nicks) this.#names.add(nick);
        break;
      case "leaves":
        for (const nick of event.nicks) this.#names.delete(nick);
        break;
      case "rename":
        this.#names.delete(event.from);
        this.#names.add(event.nick);
        if (event.from === this.#me) this.#me = event.nick;
        break;
      case "teacher":
        if ((event.action === "kick" || event.action === "ban") && event.nick) {
          this.#names.delete(event.nick);
        }
    }
  }
}
