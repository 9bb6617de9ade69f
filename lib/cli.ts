/**
 * Command-line plumbing shared by `server.ts` and `client.ts`: exit codes and
 * argument checks. The operating system's half (its errors, exiting,
 * resolving names) is `io/os.ts`.
 *
 * @module
 */

import type { Address } from "./address.ts";

/** The version both programs print with `--version`. */
export const VERSION = "0.1.0";

/** The port servers listen on and clients call unless told otherwise. */
export const DEFAULT_PORT = 9999;

/** Exit codes, documented in each program's `--help`. */
export const EXIT = {
  /** Finished normally. */
  ok: 0,
  /** An unexpected error (a bug: please report it). */
  failure: 1,
  /** Bad arguments or flags. */
  usage: 2,
  /** Network trouble: port in use, no permission, unknown host, no server answering. */
  network: 3,
  /** The server refused to let the client in. */
  refused: 4,
  /** The teacher removed the client from the room. */
  removed: 5,
} as const;

/**
 * A mistake on the command line; the message says how to fix it.
 *
 * @example Usage
 * ```ts
 * import { parsePort, UsageError } from "./cli.ts";
 * import { throws } from "node:assert/strict";
 *
 * throws(() => parsePort("99999", "--port"), UsageError);
 * ```
 */
export class UsageError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong and how to fix it.
   */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses a UDP port number.
 *
 * @param text The argument.
 * @param what Where it came from, for the message.
 * @returns The port.
 * @throws {UsageError} Unless it is a whole number from 1 to 65535.
 */
export function parsePort(text: string, what: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new UsageError(`${what} must be a port number from 1 to 65535, not '${text}'`);
  }
  return port;
}

/**
 * Parses a duration given in seconds.
 *
 * @param text The argument, e.g. `30` or `2.5`.
 * @param flag The flag's name, for the message.
 * @returns Milliseconds.
 * @throws {UsageError} Unless it is a positive number.
 */
export function parseSeconds(text: string, flag: string): number {
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${flag} must be a number of seconds greater than 0, not '${text}'`);
  }
  return Math.round(seconds * 1000);
}

/**
 * Parses a whole number of at least `min`.
 *
 * @param text The argument.
 * @param flag The flag's name, for the message.
 * @param min The smallest value allowed.
 * @returns The number.
 * @throws {UsageError} Unless it is a whole number of at least `min`.
 */
export function parseCount(text: string, flag: string, min = 0): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < min) {
    throw new UsageError(`${flag} must be a whole number of at least ${min}, not '${text}'`);
  }
  return count;
}

/** Where a room password comes from: given, or to be asked for on the terminal. */
export type PasswordSource = { password: string } | { ask: true } | undefined;

/**
 * Finds the room password: `--password -` asks on the terminal (nothing
 * shows in the process list), `--password WORD` takes it as it is (visible
 * to other users of the computer), and otherwise `UDPCHAT_PASSWORD` is used.
 *
 * @param flag The `--password` value, if given.
 * @param env Reads an environment variable.
 * @returns The source.
 * @throws {UsageError} If the password is empty.
 *
 * @example Usage
 * ```ts
 * import { passwordSource } from "./cli.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * deepEqual(passwordSource("-", () => undefined), { ask: true });
 * deepEqual(passwordSource(undefined, () => "s3cret"), { password: "s3cret" });
 * ```
 */
export function passwordSource(
  flag: string | undefined,
  env: (name: string) => string | undefined,
): PasswordSource {
  if (flag === "-") return { ask: true };
  const password = flag ?? env("UDPCHAT_PASSWORD");
  if (password === undefined) return undefined;
  if (password === "") throw new UsageError("The room password cannot be empty");
  return { password };
}

/**
 * Parses `HOST`, `HOST:PORT`, `[IPV6]` or `[IPV6]:PORT`.
 *
 * @param text The argument.
 * @param defaultPort The port when none is given.
 * @returns The address.
 * @throws {UsageError} If the port is not valid.
 *
 * @example Usage
 * ```ts
 * import { parseHostPort } from "./cli.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * deepEqual(parseHostPort("10.0.0.5:7000", 9999), { hostname: "10.0.0.5", port: 7000 });
 * deepEqual(parseHostPort("[::1]", 9999), { hostname: "::1", port: 9999 });
 * ```
 */
export function parseHostPort(text: string, defaultPort: number): Address {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    const port = bracketed[2] === undefined ? defaultPort : parsePort(bracketed[2], "The port");
    return { hostname: bracketed[1], port };
  }
  const colons = text.split(":").length - 1;
  if (colons === 1) {
    const [hostname, port] = text.split(":");
    if (hostname === "") throw new UsageError(`Server address '${text}' has no host`);
    return { hostname, port: parsePort(port, "The port") };
  }
  if (text === "") throw new UsageError("Server address cannot be empty");
  return { hostname: text, port: defaultPort };
}
