/**
 * The operating system's half of the command line: turning its errors into
 * one actionable line, exiting, and resolving host names.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import { type Address, isIpLiteral } from "../address.ts";

/**
 * Explains why a socket could not be opened, in one line a person can act on.
 *
 * @param error What `Deno.listenDatagram` threw.
 * @param address What we tried to bind.
 * @param hint What to try instead, e.g. `start with --port 10000`.
 * @returns The line, or `undefined` if the error is not one we can explain.
 */
export function explainBindError(
  error: unknown,
  address: Address,
  hint: string,
): string | undefined {
  const where = `${address.hostname}:${address.port}`;
  if (error instanceof Deno.errors.AddrInUse) {
    return `UDP port ${address.port} is already in use on ${address.hostname}: ${hint}`;
  }
  if (error instanceof Deno.errors.NotCapable) {
    return "Network access was not granted: run with --allow-net (or use 'deno task …', which grants it)";
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `The system does not allow listening on ${where}: ports below 1024 need administrator rights, ${hint}`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `${address.hostname} is not an address of this computer: use --host 0.0.0.0 to listen on all of them`;
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
