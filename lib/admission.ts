/**
 * Who may be answered before proving their address. A UDP source address can
 * be forged, so until an address has shown that it receives what is sent to
 * it, the server keeps no state for it that it would retransmit to, and what
 * it sends there is small and rare (QUIC, RFC 9000 §8):
 *
 * - v2 clients prove their address with a stateless **cookie** (an HMAC of
 *   the address, the client's session nonce and a 10-second time bucket),
 *   sent in `retry` and echoed in the next `join`, as QUIC's Retry token.
 * - Plain-text members prove it by typing back a 4-digit **join code** that
 *   is an HMAC of their address and a one-minute bucket; wrong guesses are
 *   limited per address.
 * - Every reply to an unvalidated address is rate-limited per address and
 *   overall, and counted: an address is never sent more than 3× the bytes
 *   received from it.
 *
 * @module
 */

import { BoundedMap } from "./bounded_map.ts";
import { hmac, hmacDigits, sameSecret } from "./crypto.ts";
import { RateLimiter } from "./rate_limit.ts";

/** A cookie is valid in the 10-second bucket it was made in and the next. */
const COOKIE_BUCKET = 10_000;
/** A join code is valid in the minute it was shown and the next. */
const CODE_BUCKET = 60_000;
/** Bytes an unvalidated address may be sent, per byte received from it. */
export const AMPLIFICATION_LIMIT = 3;
/** No reply is shorter than this many bytes (`* join 1234\n` is 12). */
const MIN_REPLY = 12;
/** Addresses whose bytes are counted; the oldest is forgotten beyond it (its budget starts over at 0). */
const LEDGER_SIZE = 4096;

/**
 * What a reply to an unvalidated address is for. A `retry` lets a program
 * in, and programs arrive all at once (a class starting its clients); the
 * others — an `error`, a plain-text join prompt — are read by a developer or
 * a person at `nc`, who do not. So retries get a large allowance and the
 * others a small one, which a flood of forged junk spends in a moment.
 */
export type ReplyKind = "retry" | "other";

/** Settings of a {@linkcode Admission}. */
export interface AdmissionOptions {
  /** Replies one unvalidated address may get at once, and per second. @default {[3, 1]} */
  perAddress?: [burst: number, perSecond: number];
  /** Retries all unvalidated addresses together may get at once, and per second. @default {[1000, 300]} */
  retries?: [burst: number, perSecond: number];
  /** Other replies all unvalidated addresses together may get at once, and per second. @default {[100, 100]} */
  others?: [burst: number, perSecond: number];
}

/**
 * The server's gate for addresses that have not proved themselves.
 *
 * @example Usage
 * ```ts
 * import { Admission } from "./admission.ts";
 * import { equal } from "node:assert/strict";
 *
 * const gate = new Admission(new Uint8Array(32).fill(7));
 * const cookie = gate.cookie("10.0.0.2:5000", "s1", 0);
 * equal(gate.validCookie("10.0.0.2:5000", "s1", cookie, 5000), true);
 * equal(gate.validCookie("10.0.0.9:5000", "s1", cookie, 5000), false); // another address
 * equal(gate.validCookie("10.0.0.2:5000", "s1", cookie, 60_000), false); // too old
 * ```
 */
export class Admission {
  readonly #secret: Uint8Array;
  readonly #perAddress: RateLimiter;
  readonly #overall: Record<ReplyKind, RateLimiter>;
  readonly #guesses = new RateLimiter({ burst: 3, perSecond: 0.1 });
  #ledger = new BoundedMap<string, { received: number; sent: number }>(LEDGER_SIZE);

  /**
   * Creates the gate.
   *
   * @param secret At least 32 random bytes, kept for the server's lifetime.
   * @param options Rate limits.
   */
  constructor(secret: Uint8Array, options: AdmissionOptions = {}) {
    const { perAddress = [3, 1], retries = [1000, 300], others = [100, 100] } = options;
    this.#secret = secret;
    this.#perAddress = new RateLimiter({ burst: perAddress[0], perSecond: perAddress[1] });
    const overall = ([burst, perSecond]: [number, number]) =>
      new RateLimiter({ burst, perSecond, maxKeys: 1 });
    this.#overall = { retry: overall(retries), other: overall(others) };
  }

  /**
   * The cookie for a client's session at an address.
   *
   * @param key The address's key.
   * @param session The client's session nonce.
   * @param now The current time in ms.
   * @returns The cookie.
   */
  cookie(key: string, session: string, now: number): string {
    const bucket = Math.floor(now / COOKIE_BUCKET);
    return `${bucket.toString(36)}.${hmac(this.#secret, `cookie|${key}|${session}|${bucket}`)}`;
  }

  /**
   * Whether a cookie was made for this session at this address, recently.
   *
   * @param key The address's key.
   * @param session The client's session nonce.
   * @param cookie The cookie the client echoed.
   * @param now The current time in ms.
   * @returns `true` if the address has proved it receives.
   */
  validCookie(key: string, session: string, cookie: string, now: number): boolean {
    const bucket = parseInt(cookie.split(".")[0], 36);
    const current = Math.floor(now / COOKIE_BUCKET);
    if (!(bucket === current || bucket === current - 1)) return false;
    return sameSecret(
      cookie,
      `${bucket.toString(36)}.${hmac(this.#secret, `cookie|${key}|${session}|${bucket}`)}`,
    );
  }

  /**
   * The join code a plain-text member at an address must type back.
   *
   * @param key The address's key.
   * @param now The current time in ms.
   * @returns Four digits.
   */
  joinCode(key: string, now: number): string {
    return this.#code(key, Math.floor(now / CODE_BUCKET));
  }

  /**
   * Checks a join code typed back; wrong guesses are limited per address
   * (3, then one per 10 s), so guessing all 10,000 takes about a day.
   *
   * @param key The address's key.
   * @param code What was typed.
   * @param now The current time in ms.
   * @returns `true` if it is the code shown to this address this minute or the last.
   */
  tryJoinCode(key: string, code: string, now: number): boolean {
    if (!this.#guesses.allow(key, now)) return false;
    const bucket = Math.floor(now / CODE_BUCKET);
    return sameSecret(code, this.#code(key, bucket)) ||
      sameSecret(code, this.#code(key, bucket - 1));
  }

  /**
   * Counts bytes received from an unvalidated address: they are its reply budget.
   *
   * @param key The address's key.
   * @param bytes The datagram's size.
   */
  received(key: string, bytes: number): void {
    const entry = this.#entry(key);
    entry.received += bytes;
  }

  /**
   * How many bytes may still be sent to an unvalidated address.
   *
   * @param key The address's key.
   * @returns 3× what it sent, less what it was sent.
   */
  budget(key: string): number {
    const entry = this.#ledger.get(key);
    return entry === undefined ? 0 : entry.received * AMPLIFICATION_LIMIT - entry.sent;
  }

  /**
   * Asks to reply to an unvalidated address now. Call it before any costly
   * work (an HMAC): under a flood, most datagrams end here, cheaply.
   *
   * @param key The address's key.
   * @param now The current time in ms.
   * @param kind What the reply is for: each kind has its own overall allowance.
   * @returns The most bytes the reply may take, or `undefined` when no reply may go now
   *   (its budget is spent, or a rate limit is reached: a token is then used up).
   */
  reserve(key: string, now: number, kind: ReplyKind): number | undefined {
    const budget = this.budget(key);
    if (budget < MIN_REPLY) return undefined;
    if (!this.#perAddress.allow(key, now) || !this.#overall[kind].allow("", now)) {
      return undefined;
    }
    return budget;
  }

  /**
   * Counts a reply sent after {@linkcode Admission.reserve}.
   *
   * @param key The address's key.
   * @param bytes The reply's size.
   */
  spend(key: string, bytes: number): void {
    this.#entry(key).sent += bytes;
  }

  /**
   * Forgets an address's counts once it has proved itself (or left).
   *
   * @param key The address's key.
   */
  forget(key: string): void {
    this.#ledger.delete(key);
  }

  #entry(key: string): { received: number; sent: number } {
    let entry = this.#ledger.get(key);
    if (entry === undefined) {
      entry = { received: 0, sent: 0 };
      this.#ledger.set(key, entry);
    }
    return entry;
  }

  #code(key: string, bucket: number): string {
    return hmacDigits(this.#secret, `code|${key}|${bucket}`, 4);
  }
}
