/**
 * UDP endpoints: what a datagram comes from and goes to, compared and keyed
 * the same way everywhere.
 *
 * @module
 */

/** A UDP endpoint: what Deno calls a `NetAddr`, without the transport. */
export interface Address {
  /** IPv4 or IPv6 address (or, before resolving, a host name). */
  hostname: string;
  /** UDP port. */
  port: number;
}

/** A datagram to send. */
export interface Transmit {
  /** Where to. */
  to: Address;
  /** The bytes. */
  data: Uint8Array;
}

/**
 * Whether a host is an IP address rather than a name to resolve.
 *
 * @param host A host as typed or received.
 * @returns `true` for IPv4 dotted quads and anything with a colon (IPv6).
 *
 * @example Usage
 * ```ts
 * import { isIpLiteral } from "./address.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(isIpLiteral("10.0.0.5"), true);
 * equal(isIpLiteral("::1"), true);
 * equal(isIpLiteral("teacher-pc"), false);
 * ```
 */
export function isIpLiteral(host: string): boolean {
  return /^[\d.]+$|:/.test(host);
}

/**
 * Whether text is a dotted-quad IPv4 address: four numbers from 0 to 255.
 *
 * @param host The text.
 * @returns `true` if it is one.
 *
 * @example Usage
 * ```ts
 * import { isIpv4 } from "./address.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(isIpv4("10.0.0.255"), true);
 * equal(isIpv4("999.1.1.1"), false);
 * ```
 */
export function isIpv4(host: string): boolean {
  const parts = host.split(".");
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/**
 * Whether text is shaped like an IPv6 address: hex groups, at most one `::`,
 * an optional zone (`%eth0`).
 *
 * @param text The text.
 * @returns `true` if it is.
 *
 * @example Usage
 * ```ts
 * import { isIpv6 } from "./address.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(isIpv6("fe80::1%eth0"), true);
 * equal(isIpv6("a:b:c"), false);
 * ```
 */
export function isIpv6(text: string): boolean {
  const [address, zone, ...rest] = text.split("%");
  if (rest.length > 0 || zone === "") return false;
  const groups = address.split(":");
  const double = address.split("::").length - 1;
  if (double > 1 || (double === 0 && groups.length !== 8) || groups.length > 8) return false;
  return /^[0-9a-f:.]+$/i.test(address) && groups.every((g) => g.length <= 4 || g.includes("."));
}

/**
 * An IPv4 address as a dual-stack socket reports it (`::ffff:10.0.0.5`),
 * written the usual way (`10.0.0.5`); any other host unchanged.
 *
 * @param host A host as a socket reported it.
 * @returns The host without the IPv4-mapped prefix.
 *
 * @example Usage
 * ```ts
 * import { unmapIpv4 } from "./address.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(unmapIpv4("::ffff:10.0.0.5"), "10.0.0.5");
 * equal(unmapIpv4("::1"), "::1");
 * ```
 */
export function unmapIpv4(host: string): string {
  return host.replace(/^::ffff:/, "");
}

/**
 * Whether a datagram's source is the endpoint we talk to. A host given by
 * name cannot be compared without resolving it, so then the port decides.
 *
 * @param from Where a datagram came from.
 * @param peer Where we send.
 * @returns Whether they match.
 *
 * @example Usage
 * ```ts
 * import { isFrom } from "./address.ts";
 * import { equal } from "node:assert/strict";
 *
 * const server = { hostname: "10.0.0.1", port: 9999 };
 * equal(isFrom({ hostname: "::ffff:10.0.0.1", port: 9999 }, server), true);
 * equal(isFrom({ hostname: "10.0.0.9", port: 9999 }, server), false);
 * ```
 */
export function isFrom(from: Address, peer: Address): boolean {
  if (from.port !== peer.port) return false;
  return !isIpLiteral(peer.hostname) || unmapIpv4(from.hostname) === unmapIpv4(peer.hostname);
}

/**
 * A stable key for an address, usable in a `Map`.
 *
 * @param address The address.
 * @returns `host:port`, with IPv6 hosts in brackets.
 *
 * @example Usage
 * ```ts
 * import { addressKey } from "./address.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(addressKey({ hostname: "::1", port: 9999 }), "[::1]:9999");
 * ```
 */
export function addressKey(address: Address): string {
  return address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
}
