/**
 * Command-line plumbing shared by `server.ts` and `client.ts`: exit codes and
 * argument checks. The operating system's half (its errors, exiting,
 * resolving names) is `io/os.ts`.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { type Address, isIpv6 } from "./address.ts";

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
 * @param min The shortest allowed, in seconds.
 * @param max The longest allowed, in seconds (timers take at most about 24 days).
 * @returns Milliseconds.
 * @throws {UsageError} Unless it is a number from `min` to `max`.
 *
 * @example Usage
 * ```ts
 * import { parseSeconds, UsageError } from "./cli.ts";
 * import { equal, throws } from "node:assert/strict";
 *
 * equal(parseSeconds("2.5", "--timeout", 1, 3600), 2500);
 * throws(() => parseSeconds("1e-9", "--timeout", 1, 3600), UsageError);
 * ```
 */
export function parseSeconds(text: string, flag: string, min: number, max: number): number {
  const seconds = Number(text);
  if (text.trim() === "" || !Number.isFinite(seconds) || seconds < min || seconds > max) {
    throw new UsageError(
      `${flag} must be a number of seconds from ${min} to ${max}, not '${text}'`,
    );
  }
  return Math.round(seconds * 1000);
}

/**
 * Parses a whole number from `min` to `max`.
 *
 * @param text The argument.
 * @param flag The flag's name, for the message.
 * @param min The smallest value allowed.
 * @param max The largest value allowed.
 * @returns The number.
 * @throws {UsageError} Unless it is a whole number from `min` to `max`.
 */
export function parseCount(
  text: string,
  flag: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < min || count > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${flag} must be a whole number ${range}, not '${text}'`);
  }
  return count;
}

/**
 * `node:util`'s `parseArgs`, with its errors turned into one line that says
 * what to type: a value starting with `-` (`--port -5`) is "ambiguous" to
 * it, and its message for an unknown flag has an unbalanced quote.
 *
 * @param config What `parseArgs` takes; `args` must be given.
 * @returns What `parseArgs` returns.
 * @throws {UsageError} On any argument it refuses.
 *
 * @example Usage
 * ```ts
 * import { parseArgsOrExplain } from "./cli.ts";
 * import { throws } from "node:assert/strict";
 *
 * const options = { port: { type: "string" as const } };
 * throws(() => parseArgsOrExplain({ args: ["--port", "-5"], options }), /must be written --port=-5/);
 * throws(() => parseArgsOrExplain({ args: ["--prot", "5"], options }), /^UsageError: Unknown option '--prot' \(see --help\)$/);
 * ```
 */
export function parseArgsOrExplain<T extends ParseArgsConfig & { args: string[] }>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '([^']*)'/.exec(message);
    const ambiguous = /^Option '(-[^' ]+)[^']*' argument is ambiguous/.exec(message);
    const missing = /^Option '(-[^' ]+)[^']*' argument missing/.exec(message);
    if (unknown) throw new UsageError(`Unknown option '${unknown[1]}' (see --help)`);
    if (ambiguous) {
      const flag = ambiguous[1];
      const value = config.args[config.args.indexOf(flag) + 1] ?? "";
      throw new UsageError(
        `${flag} ${value}: a value starting with '-' must be written ${flag}=${value} (see --help)`,
      );
    }
    if (missing) throw new UsageError(`${missing[1]} needs a value (see --help)`);
    throw new UsageError(`${message.split("\n")[0]} (see --help)`);
  }
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
 * @throws {UsageError} If the port is not valid, or there are colons in a way no address has.
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
  if (colons > 1 && !isIpv6(text)) {
    throw new UsageError(
      `Server address '${text}' is not HOST, HOST:PORT or [IPV6]:PORT (see --help)`,
    );
  }
  if (colons === 1) {
    const [hostname, port] = text.split(":");
    if (hostname === "") throw new UsageError(`Server address '${text}' has no host`);
    return { hostname, port: parsePort(port, "The port") };
  }
  if (text === "") throw new UsageError("Server address cannot be empty");
  return { hostname: text, port: defaultPort };
}
