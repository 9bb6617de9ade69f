/**
 * The teacher's console: what a line typed at the server means, and what it
 * does to the room. Every action is a room event (announced, kept in the
 * transcript); the console is the only place a kick, ban or mute comes from.
 * The server feeds it lines from its standard input.
 *
 * @module
 */

import { clock, describeStats } from "./format.ts";
import type { Room } from "./room.ts";

/** One line per command, for `/help` and `--help`. */
export const CONSOLE_HELP: readonly string[] = [
  "/who                       who is here: address, since, messages, rtt, loss",
  "/kick NICK [REASON]        remove a member (it does not rejoin by itself)",
  "/ban NICK|ADDRESS [MINUTES] [REASON]",
  "                           remove and refuse its IP address (any nickname), for good or a while",
  "/unban ADDRESS             lift a ban",
  "/mute NICK, /unmute NICK   refuse (or allow again) a member's messages; it is told",
  "/say TEXT                  an announcement from the room, shown apart by every client",
  "/topic TEXT                the topic, in every status line and shown to joiners",
  "/slow N                    the room's rate: messages a member may send per second",
  "/stats                     what the server received, sent and dropped",
  "/help                      this list (a line without / is said, as /say)",
];

/**
 * Runs one line typed at the server's console.
 *
 * @param room The room.
 * @param line The line, without its ending.
 * @param now The current time in ms.
 * @param kernelDropped Datagrams the kernel dropped before the server read
 *   them, for `/stats`, where the server can tell.
 * @returns Lines to print for the teacher.
 *
 * @example Usage
 * ```ts
 * import { runConsole } from "./console.ts";
 * import { Room } from "./room.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const room = new Room();
 * deepEqual(runConsole(room, "/kick nobody", 0), ["error: No member is called 'nobody'"]);
 * deepEqual(runConsole(room, "/topic Exam at 10", 0), ["topic set"]);
 * ```
 */
export function runConsole(
  room: Room,
  line: string,
  now: number,
  kernelDropped?: () => number | undefined,
): string[] {
  const text = line.trim();
  if (text === "") return [];
  if (!text.startsWith("/")) return run(() => (room.teacher.say(text, now), ["said"]));
  const [, name, rest = ""] = /^\/(\S+)\s*(.*)$/s.exec(text)!;
  const [first = "", ...words] = rest.split(/\s+/).filter((word) => word !== "");
  switch (name.toLowerCase()) {
    case "who":
      return who(room);
    case "kick":
      if (!first) return ["usage: /kick NICK [REASON]"];
      return run(
        () => (room.teacher.kick(first, words.join(" ") || undefined, now), [`removed ${first}`]),
      );
    case "ban": {
      if (!first) return ["usage: /ban NICK|ADDRESS [MINUTES] [REASON]"];
      const minutes = /^\d+(\.\d+)?$/.test(words[0] ?? "") ? Number(words.shift()) : undefined;
      return run(() => {
        const ip = room.teacher.ban(first, minutes, words.join(" ") || undefined, now);
        return [`banned ${ip}${minutes ? ` for ${minutes} minutes` : " until the server stops"}`];
      });
    }
    case "unban":
      if (!first) return ["usage: /unban ADDRESS", ...bans(room, now)];
      return run(() => (room.teacher.unban(first, now), [`unbanned ${first}`]));
    case "mute":
    case "unmute": {
      if (!first) return [`usage: /${name} NICK`];
      const mute = name.toLowerCase() === "mute";
      return run(
        () => (room.teacher.mute(first, mute, now), [`${mute ? "muted" : "unmuted"} ${first}`]),
      );
    }
    case "say":
      if (!rest) return ["usage: /say TEXT"];
      return run(() => (room.teacher.say(rest, now), ["said"]));
    case "topic":
      return run(() => (room.teacher.setTopic(rest, now), [rest ? "topic set" : "topic cleared"]));
    case "slow": {
      const rate = Number(first);
      if (!first || !Number.isFinite(rate)) return [`usage: /slow N (now ${room.rate} a second)`];
      return run(
        () => (room.teacher.setRate(rate, now), [`rate set to ${rate} messages a second`]),
      );
    }
    case "stats":
      return describeStats(room.stats, kernelDropped?.());
    case "help":
      return [...CONSOLE_HELP];
    default:
      return [`unknown command /${name}: type /help for the list`];
  }
}

/** Runs an action, turning a refusal into one line. */
function run(action: () => string[]): string[] {
  try {
    return action();
  } catch (error) {
    if (error instanceof RangeError) return [`error: ${error.message}`];
    throw error;
  }
}

function who(room: Room): string[] {
  const members = room.teacher.who();
  if (members.length === 0) return ["nobody is here"];
  return [
    `${members.length} here:`,
    ...members.map((m) =>
      [
        `  ${m.nick}`,
        m.address,
        `since ${clock(m.since)}`,
        m.said === 1 ? "1 message" : `${m.said} messages`,
        m.plainText ? "plain text" : m.rtt === undefined ? "rtt ?" : `rtt ${Math.round(m.rtt)} ms`,
        m.loss === undefined ? "" : `loss ${(m.loss * 100).toFixed(1)}%`,
        m.muted ? "MUTED" : "",
      ].filter((part) => part !== "").join("  ")
    ),
  ];
}

function bans(room: Room, now: number): string[] {
  return room.teacher.bans(now).map(([ip, left]) =>
    `  banned: ${ip}${left === Infinity ? "" : ` (${left} more minutes)`}`
  );
}
