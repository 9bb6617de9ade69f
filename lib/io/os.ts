/**
 * The operating system's half of the command line: turning its errors into
 * one actionable line, exiting, and resolving host names.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { type Address, isIpLiteral } from "../address.ts";
import { type PasswordSource, UsageError } from "../cli.ts";

/**
 * Explains why a socket could not be opened, in one line a person can act on.
 *
 * @param error What `Deno.listenDatagram` threw.
 * @param address What we tried to bind.
 * @param inUse What to do when the port is taken, e.g. `stop the other server or start with --port 10000`.
 * @param transport The socket's kind: UDP for the chat, TCP for `--http`.
 * @returns The line, or `undefined` if the error is not one we can explain.
 */
export function explainBindError(
  error: unknown,
  address: Address,
  inUse: string,
  transport: "UDP" | "TCP" = "UDP",
): string | undefined {
  const where = `${address.hostname}:${address.port}`;
  if (error instanceof Deno.errors.AddrInUse) {
    return `${transport} port ${address.port} is already in use on ${address.hostname}: ${inUse}`;
  }
  if (error instanceof Deno.errors.NotCapable) {
    return "Network access was not granted: run with --allow-net (or use 'deno task …', which grants it)";
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return address.port < 1024
      ? `${transport} port ${address.port} needs administrator rights (ports below 1024 do): use a port from 1024 up, e.g. the default 9999`
      : `The system does not allow listening on ${where}: check the firewall or security settings`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `${address.hostname} is not an address of this computer: use --host 0.0.0.0 to listen on all of them`;
  }
  if (/failed to lookup address/.test(String(error))) {
    return `Cannot find '${address.hostname}' on this computer: use one of its IP addresses, or --host 0.0.0.0 for all of them`;
  }
  if (error instanceof TypeError && /listenDatagram/.test(String(error))) {
    return "UDP needs Deno's unstable net API: run from the project folder (deno.json enables it) or add --unstable-net";
  }
  return undefined;
}

/**
 * Prints `program: message` on stderr and exits.
 *
 * @param program The program's name.
 * @param message One line saying what went wrong and what to do.
 * @param code The exit code.
 */
export function exitWith(program: string, message: string, code: number): never {
  console.error(`${program}: ${message}`);
  Deno.exit(code);
}

/** A host name that does not resolve. */
export class UnknownHostError extends Error {
  /**
   * Creates the error.
   *
   * @param host The name that did not resolve.
   */
  constructor(host: string) {
    super(`Cannot find host '${host}': check the spelling, or use the server's IP address`);
    this.name = "UnknownHostError";
  }
}

/**
 * Resolves a host name (using the system resolver, so `/etc/hosts` and
 * `localhost` work) to an IP address, preferring IPv4.
 *
 * @param address The address as given.
 * @returns The same address with an IP literal as hostname.
 * @throws {UnknownHostError} If the name does not resolve.
 */
export async function resolveHost(address: Address): Promise<Address> {
  if (isIpLiteral(address.hostname)) return address;
  try {
    const { address: ip } = await lookup(address.hostname, { family: 4 }).catch(() =>
      lookup(address.hostname)
    );
    return { hostname: ip, port: address.port };
  } catch {
    throw new UnknownHostError(address.hostname);
  }
}

/**
 * Reads an environment variable if the program may, without ever making
 * Deno ask the user for permission.
 *
 * @param name The variable.
 * @returns Its value, or `undefined` when unset or not permitted.
 */
export function readEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  return Deno.env.get(name);
}

/**
 * Asks for a password on the terminal without showing it.
 *
 * @param question What to ask, e.g. `Room password: `.
 * @returns What was typed (the line, without its end).
 * @throws {UsageError} If there is no terminal to ask on, or the user pressed Ctrl+C.
 */
export async function askPassword(question: string): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    throw new UsageError(
      "--password - needs a terminal to ask on: set UDPCHAT_PASSWORD instead",
    );
  }
  const encoder = new TextEncoder();
  await Deno.stderr.write(encoder.encode(question));
  Deno.stdin.setRaw(true);
  const typed: number[] = [];
  try {
    const buffer = new Uint8Array(64);
    for (;;) {
      const count = await Deno.stdin.read(buffer);
      if (count === null) break;
      for (const byte of buffer.subarray(0, count)) {
        if (byte === 0x0d || byte === 0x0a) return new TextDecoder().decode(new Uint8Array(typed));
        if (byte === 0x03) throw new UsageError("No password given");
        if (byte === 0x7f || byte === 0x08) typed.pop();
        else typed.push(byte);
      }
    }
    return new TextDecoder().decode(new Uint8Array(typed));
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(encoder.encode("\n"));
  }
}

/**
 * The room password from where the command line said to find it.
 *
 * @param source From `--password` or `UDPCHAT_PASSWORD`, or to be asked for.
 * @returns The password, or `undefined` when there is none.
 * @throws {UsageError} If it must be asked for and cannot be, or is empty.
 */
export async function resolvePassword(source: PasswordSource): Promise<string | undefined> {
  if (source === undefined || "password" in source) return source?.password;
  const password = await askPassword("Room password: ");
  if (password === "") throw new UsageError("The room password cannot be empty");
  return password;
}
