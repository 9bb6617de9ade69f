/**
 * Finding servers on the LAN, without any I/O. A client sends `discover`
 * probes to the discovery port ({@linkcode DISCOVERY_PORT}) by broadcast and
 * multicast; every server listening there answers with a `server` frame
 * naming its room, chat port and member count.
 *
 * Rules: a reply is never larger than the probe that asked for it (no
 * amplification), replies are delayed by a random 10–60 ms so that many
 * servers do not answer in one burst, at most 5 replies at once (2 a second)
 * go to one address and 20 at once (20 a second) in all, and probes of
 * another protocol version are ignored.
 * Anything else arriving on the discovery port is ignored silently.
 *
 * @module
 */

import { type Address, addressKey, type Transmit, unmapIpv4 } from "./address.ts";
import { decodeDiscoveryFrame } from "./decode.ts";
import { type DiscoveryFrame, encodeFrame, encodePadded } from "./frame.ts";
import { type Machine, Output } from "./machine.ts";
import { RateLimiter } from "./rate_limit.ts";

/** The UDP port servers share (with SO_REUSEADDR) to hear probes. */
export const DISCOVERY_PORT = 9998;

/** The multicast group probes are also sent to (organisation-local scope). */
export const DISCOVERY_GROUP = "239.255.99.98";

/** Probes are padded to this size so that replies fit in them. */
export const PROBE_SIZE = 256;

/** How long a client listens for replies, in ms. */
export const DISCOVERY_WINDOW = 2000;

/** When a {@linkcode ServerFinder} probes, in ms after starting. */
const ROUNDS = [0, 300, 900];

/** A server that answered. */
export interface FoundServer {
  /** Room name. */
  name: string;
  /** The server's address as the client reaches it, and its chat port. */
  address: Address;
  /** Members in the room when it answered. */
  members: number;
}

/**
 * Orders found servers for a person: by room name (case and accents aside),
 * then by address, numerically (10.0.0.9 before 10.0.0.10), then by port.
 *
 * @param a A server.
 * @param b Another.
 * @returns Negative if `a` comes first, positive if `b` does, 0 for the same.
 *
 * @example Usage
 * ```ts
 * import { compareServers } from "./discovery.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const at = (name: string, hostname: string) => ({ name, address: { hostname, port: 9999 }, members: 0 });
 * const sorted = [at("b", "10.0.0.1"), at("A", "10.0.0.10"), at("a", "10.0.0.9")].sort(compareServers);
 * deepEqual(sorted.map((s) => s.address.hostname), ["10.0.0.9", "10.0.0.10", "10.0.0.1"]);
 * ```
 */
export function compareServers(a: FoundServer, b: FoundServer): number {
  return a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) ||
    a.address.hostname.localeCompare(b.address.hostname, undefined, { numeric: true }) ||
    a.address.port - b.address.port;
}

/**
 * Encodes a probe, padded to {@linkcode PROBE_SIZE} bytes.
 *
 * @param nonce A random token the replies must echo.
 * @returns The probe datagram.
 *
 * @example Usage
 * ```ts
 * import { encodeProbe, PROBE_SIZE } from "./discovery.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(encodeProbe("n1").length, PROBE_SIZE);
 * ```
 */
export function encodeProbe(nonce: string): Uint8Array {
  return encodePadded({ type: "discover", nonce }, PROBE_SIZE);
}

/** The frame in a datagram, or `undefined` for anything that is not a valid one. */
function parse(data: Uint8Array): DiscoveryFrame | undefined {
  try {
    return decodeDiscoveryFrame(data, PROBE_SIZE * 4);
  } catch {
    return undefined;
  }
}

/** What the server says about itself. */
export interface BeaconInfo {
  /** The room's name. */
  name: string;
  /** The chat port. */
  port: number;
  /** Members in the room now. */
  members: number;
}

/**
 * The server side: answers probes on the discovery port.
 *
 * @example Usage
 * ```ts
 * import { Beacon, encodeProbe } from "./discovery.ts";
 * import { equal } from "node:assert/strict";
 *
 * const beacon = new Beacon(() => ({ name: "lab", port: 9999, members: 2 }), () => 0);
 * beacon.receive(encodeProbe("n1"), { hostname: "10.0.0.7", port: 5000 }, 0);
 * beacon.tick(10);
 * const [reply] = beacon.poll().transmits;
 * equal(JSON.parse(new TextDecoder().decode(reply.data)).name, "lab");
 * ```
 */
export class Beacon implements Machine<never> {
  readonly #info: () => BeaconInfo;
  readonly #random: () => number;
  readonly #limiter = new RateLimiter({ burst: 5, perSecond: 2 });
  readonly #overall = new RateLimiter({ burst: 20, perSecond: 20, maxKeys: 1 });
  #delayed: Array<{ at: number; transmit: Transmit }> = [];
  readonly #output = new Output<never>();
  /** Probes answered, and datagrams ignored. */
  readonly stats = { answered: 0, ignored: 0 };

  /**
   * Creates a beacon for one room.
   *
   * @param info The room's current name, chat port and member count.
   * @param random Source of the reply jitter.
   */
  constructor(info: () => BeaconInfo, random: () => number = Math.random) {
    this.#info = info;
    this.#random = random;
  }

  /**
   * Handles a datagram on the discovery port.
   *
   * @param data The datagram; it is not retained.
   * @param from Its source.
   * @param now The current time in ms.
   */
  receive(data: Uint8Array, from: Address, now: number): void {
    const probe = parse(data);
    if (
      probe?.type !== "discover" || !this.#limiter.allow(addressKey(from), now) ||
      !this.#overall.allow("", now)
    ) {
      this.stats.ignored++;
      return;
    }
    const { name, port, members } = this.#info();
    const reply = (room: string) =>
      encodeFrame({ type: "server", nonce: probe.nonce, name: room, port, members });
    let bytes = reply(name);
    for (let cut = [...name].length; bytes.length > data.length && cut > 0; cut--) {
      bytes = reply([...name].slice(0, cut - 1).join("") + "…");
    }
    if (bytes.length > data.length) {
      this.stats.ignored++;
      return; // the probe is too small to answer without amplifying it
    }
    this.stats.answered++;
    this.#delayed.push({ at: now + 10 + this.#random() * 50, transmit: { to: from, data: bytes } });
  }

  /**
   * Sends replies whose jitter has passed.
   *
   * @param now The current time in ms.
   */
  tick(now: number): void {
    const due = this.#delayed.filter((d) => d.at <= now);
    this.#delayed = this.#delayed.filter((d) => d.at > now);
    for (const { transmit } of due) this.#output.send(transmit.to, transmit.data);
  }

  /** When the next reply is due. */
  deadline(): number | undefined {
    return this.#delayed.length === 0 ? undefined : Math.min(...this.#delayed.map((d) => d.at));
  }

  /** Replies to send; a beacon reports no events. */
  poll(): { transmits: readonly Transmit[]; events: readonly never[] } {
    return this.#output.take();
  }
}

/**
 * The client side: probes the given targets a few times and collects the
 * servers that answer, for {@linkcode DISCOVERY_WINDOW} ms.
 *
 * @example Usage
 * ```ts
 * import { ServerFinder } from "./discovery.ts";
 * import { equal } from "node:assert/strict";
 *
 * const finder = new ServerFinder([{ hostname: "255.255.255.255", port: 9998 }], 0, "n1");
 * equal(finder.poll().transmits.length, 1);
 * ```
 */
export class ServerFinder implements Machine<FoundServer> {
  readonly #targets: Address[];
  readonly #nonce: string;
  readonly #startedAt: number;
  #round = 0;
  #listening = true;
  #found = new Map<string, FoundServer>();
  readonly #output = new Output<FoundServer>();

  /**
   * Starts looking: the first probes are ready at once.
   *
   * @param targets Where to send probes: broadcast and multicast addresses.
   * @param now The current time in ms.
   * @param nonce A random token; replies that do not echo it are ignored.
   */
  constructor(targets: Address[], now: number, nonce: string) {
    this.#targets = targets;
    this.#nonce = nonce;
    this.#startedAt = now;
    this.tick(now);
  }

  /** Whether the finder has listened long enough. */
  done(now: number): boolean {
    return now >= this.#startedAt + DISCOVERY_WINDOW;
  }

  /**
   * The servers found so far, by room name and then address (see
   * {@linkcode compareServers}): the same list, in the same order, however
   * the replies raced, so "Enter for 1" means the same room every time.
   */
  get servers(): FoundServer[] {
    return [...this.#found.values()].sort(compareServers);
  }

  /**
   * Handles a reply.
   *
   * @param data The datagram.
   * @param from Its source: the server's address.
   * @param _now The current time in ms.
   */
  receive(data: Uint8Array, from: Address, _now: number): void {
    const reply = parse(data);
    if (reply?.type !== "server" || reply.nonce !== this.#nonce) return;
    const server = {
      name: reply.name,
      address: { hostname: unmapIpv4(from.hostname), port: reply.port },
      members: reply.members,
    };
    const key = addressKey(server.address);
    if (this.#found.has(key)) return;
    this.#found.set(key, server);
    this.#output.report(server);
  }

  /**
   * Sends the next round of probes when due.
   *
   * @param now The current time in ms.
   */
  tick(now: number): void {
    if (this.done(now)) this.#listening = false;
    while (this.#round < ROUNDS.length && now >= this.#startedAt + ROUNDS[this.#round]) {
      this.#round++;
      const probe = encodeProbe(this.#nonce);
      for (const to of this.#targets) this.#output.send(to, probe);
    }
  }

  /** When to probe again, or when listening ends; `undefined` after that. */
  deadline(): number | undefined {
    if (!this.#listening) return undefined;
    return this.#startedAt + (ROUNDS[this.#round] ?? DISCOVERY_WINDOW);
  }

  /** Probes to send, and servers newly found. */
  poll(): { transmits: readonly Transmit[]; events: readonly FoundServer[] } {
    return this.#output.take();
  }
}

/**
 * The broadcast address of an IPv4 network.
 *
 * @param cidr An interface's address and prefix, e.g. `192.168.1.20/24`.
 * @returns The broadcast address, e.g. `192.168.1.255`, or `undefined` for a /31 or /32.
 *
 * @example Usage
 * ```ts
 * import { broadcastAddress } from "./discovery.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(broadcastAddress("10.1.2.3/16"), "10.1.255.255");
 * ```
 */
export function broadcastAddress(cidr: string): string | undefined {
  const [address, bits] = cidr.split("/");
  const prefix = Number(bits);
  const parts = address.split(".").map(Number);
  if (parts.length !== 4 || !(prefix >= 0 && prefix <= 30)) return undefined;
  const ip = parts.reduce((acc, part) => acc * 256 + part, 0);
  const hostBits = 2 ** (32 - prefix);
  const broadcast = Math.floor(ip / hostBits) * hostBits + hostBits - 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(broadcast / 2 ** shift) % 256).join(".");
}

/**
 * Where to send probes: the limited broadcast address, each IPv4 interface's
 * subnet broadcast address (the loopback one too, for servers on this
 * computer), and the multicast group.
 *
 * @param cidrs The IPv4 interfaces' `address/prefix`.
 * @param port The discovery port.
 * @returns The targets, without duplicates.
 */
export function probeTargets(cidrs: string[], port: number = DISCOVERY_PORT): Address[] {
  const hosts = new Set(["255.255.255.255", DISCOVERY_GROUP]);
  for (const cidr of cidrs) {
    const broadcast = broadcastAddress(cidr);
    if (broadcast) hosts.add(broadcast);
  }
  return [...hosts].map((hostname) => ({ hostname, port }));
}
