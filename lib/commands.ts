/**
 * What a line typed by the user means: a message, or a `/command`.
 *
 * @module
 */

/** A parsed input line. */
export type Command =
  | { type: "say"; text: string }
  | { type: "me"; text: string }
  | { type: "msg"; to: string; text: string }
  | { type: "nick"; nick: string }
  | { type: "who" }
  | { type: "help" }
  | { type: "quit" }
  | { type: "empty" }
  | { type: "invalid"; message: string };

/** One line per command, for `/help`. */
export const HELP: readonly string[] = [
  "/me ACTION        describe what you do: /me waves",
  "/msg NICK TEXT    private message to one member",
  "/nick NEW         change your nickname",
  "/who              list the members",
  "/help             this list",
  "/quit             leave (Ctrl+C and Ctrl+D too)",
  "//text            send a message that starts with /",
];

/**
 * Parses one input line.
 *
 * @param line The line, without its line ending.
 * @returns The command; unknown or incomplete commands come back as `invalid`
 *   with a one-line hint.
 *
 * @example Usage
 * ```ts
 * import { parseCommand } from "./commands.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * deepEqual(parseCommand("/msg bob hi there"), { type: "msg", to: "bob", text: "hi there" });
 * deepEqual(parseCommand("//etc"), { type: "say", text: "/etc" });
 * ```
 */
export function parseCommand(line: string): Command {
  if (line.trim() === "") return { type: "empty" };
  if (!line.startsWith("/")) return { type: "say", text: line };
  if (line.startsWith("//")) return { type: "say", text: line.slice(1) };
  const match = /^\/(\S+)\s*(.*)$/s.exec(line)!;
  const name = match[1].toLowerCase();
  const rest = match[2].trim();
  switch (name) {
    case "me":
      return rest ? { type: "me", text: rest } : usage("/me ACTION");
    case "msg": {
      const target = /^(\S+)\s+(.+)$/s.exec(rest);
      return target ? { type: "msg", to: target[1], text: target[2] } : usage("/msg NICK TEXT");
    }
    case "nick":
      return rest && !/\s/.test(rest) ? { type: "nick", nick: rest } : usage("/nick NEW");
    case "who":
    case "names":
      return { type: "who" };
    case "help":
    case "?":
      return { type: "help" };
    case "quit":
    case "exit":
      return { type: "quit" };
    default:
      return { type: "invalid", message: `Unknown command /${name}: type /help for the list` };
  }
}

function usage(form: string): Command {
  return { type: "invalid", message: `Usage: ${form}` };
}

/** The part of a session that commands drive. */
export interface CommandTarget {
  /** Sends a chat message. */
  say(text: string, now: number): void;
  /** Sends an action. */
  act(text: string, now: number): void;
  /** Sends a private message. */
  pm(to: string, text: string, now: number): void;
  /** Asks for a new nickname. */
  rename(nick: string, now: number): void;
  /** Asks for the member list. */
  who(now: number): void;
  /** Leaves the room. */
  leave(now: number): void;
}

/** What running a line did, for the user interface to show. */
export interface CommandResult {
  /** Lines to show the user locally (help, hints, errors). */
  notices: string[];
  /** Whether the notices are errors. */
  error?: boolean;
  /** The user asked to leave. */
  quit?: boolean;
}

/**
 * Parses a line and applies it to the session.
 *
 * @param session The session to drive.
 * @param line The line typed.
 * @param now The current time in ms.
 * @returns What to show locally.
 *
 * @example Usage
 * ```ts
 * import { runLine } from "./commands.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const said: string[] = [];
 * const session = {
 *   say: (text: string) => void said.push(text),
 *   act: () => {}, pm: () => {}, rename: () => {}, who: () => {}, leave: () => {},
 * };
 * runLine(session, "hello", 0);
 * deepEqual(said, ["hello"]);
 * deepEqual(runLine(session, "/dance", 0).notices, ["Unknown command /dance: type /help for the list"]);
 * ```
 */
export function runLine(session: CommandTarget, line: string, now: number): CommandResult {
  const command = parseCommand(line);
  try {
    switch (command.type) {
      case "say":
        session.say(command.text, now);
        break;
      case "me":
        session.act(command.text, now);
        break;
      case "msg":
        session.pm(command.to, command.text, now);
        break;
      case "nick":
        session.rename(command.nick, now);
        break;
      case "who":
        session.who(now);
        break;
      case "help":
        return { notices: [...HELP] };
      case "quit":
        session.leave(now);
        return { notices: [], quit: true };
      case "invalid":
        return { notices: [command.message], error: true };
    }
  } catch (error) {
    if (error instanceof RangeError) return { notices: [error.message], error: true };
    throw error;
  }
  return { notices: [] };
}
