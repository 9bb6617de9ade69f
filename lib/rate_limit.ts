/**
 * Token buckets: one ({@linkcode TokenBucket}) for a member's message rate,
 * and many per key ({@linkcode RateLimiter}), with a bounded number of keys,
 * so that replies to bad datagrams can never be used to flood anyone.
 *
 * @module
 */

import { BoundedMap } from "./bounded_map.ts";

/** Settings of a {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Tokens each key may spend at once. @default {5} */
  burst?: number;
  /** Tokens each key regains per second. @default {1} */
  perSecond?: number;
  /** Most keys remembered; the least recently used are forgotten beyond it. @default {1024} */
  maxKeys?: number;
}

/**
 * Allows at most `burst` events at once and `perSecond` on average per key.
 *
 * @example Usage
 * ```ts
 * import { RateLimiter } from "./rate_limit.ts";
 * import { equal } from "node:assert/strict";
 *
 * const limiter = new RateLimiter({ burst: 2, perSecond: 1 });
 * equal(limiter.allow("a", 0), true);
 * equal(limiter.allow("a", 0), true);
 * equal(limiter.allow("a", 0), false);
 * equal(limiter.allow("a", 1000), true);
 * ```
 */
export class RateLimiter {
  #buckets: BoundedMap<string, TokenBucket>;
  #burst: number;
  #perSecond: number;

  /**
   * Creates a limiter.
   *
   * @param options Burst, rate and memory bound.
   */
  constructor(options: RateLimiterOptions = {}) {
    const { burst = 5, perSecond = 1, maxKeys = 1024 } = options;
    this.#burst = burst;
    this.#perSecond = perSecond;
    this.#buckets = new BoundedMap(maxKeys);
  }

  /**
   * Spends a token for `key` if one is left.
   *
   * @param key Who is asking, e.g. an address key.
   * @param now The current time in ms.
   * @returns Whether the event is allowed.
   */
  allow(key: string, now: number): boolean {
    return this.#bucket(key, now).take(now);
  }

  /**
   * Leaves `key` at most `tokens` now, however long it has been quiet.
   *
   * @param key Who.
   * @param tokens The most it may use at once from now.
   * @param now The current time in ms.
   */
  limit(key: string, tokens: number, now: number): void {
    this.#bucket(key, now).limit(tokens, now);
  }

  /** The key's bucket, made full if it has none (or it was forgotten). */
  #bucket(key: string, now: number): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#perSecond, this.#burst, now);
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }
}

/**
 * One token bucket: `burst` tokens at once, refilled at `perSecond`.
 *
 * @example Usage
 * ```ts
 * import { TokenBucket } from "./rate_limit.ts";
 * import { equal } from "node:assert/strict";
 *
 * const bucket = new TokenBucket(5, 2, 0);
 * equal(bucket.take(0), true);
 * equal(bucket.take(0), true);
 * equal(bucket.take(0), false);
 * equal(bucket.nextAt(0), 200); // one more every 200 ms
 * ```
 */
export class TokenBucket {
  #tokens: number;
  #at: number;
  #perMs: number;
  #burst: number;

  /**
   * Creates a full bucket.
   *
   * @param perSecond Tokens regained per second.
   * @param burst Tokens it holds at most.
   * @param now The current time in ms.
   */
  constructor(perSecond: number, burst: number, now: number) {
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  /**
   * Changes the rate, keeping the tokens already earned.
   *
   * @param perSecond Tokens regained per second.
   * @param burst Tokens it holds at most.
   * @param now The current time in ms.
   */
  set(perSecond: number, burst: number, now: number): void {
    this.#refill(now);
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#tokens = Math.min(this.#tokens, burst);
  }

  /**
   * Leaves at most `tokens` in the bucket now; it refills as usual from there.
   *
   * @param tokens The most left.
   * @param now The current time in ms.
   */
  limit(tokens: number, now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#tokens, tokens);
  }

  /**
   * Spends a token if one is there.
   *
   * @param now The current time in ms.
   * @returns Whether there was one.
   */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  /**
   * When the next token will be there.
   *
   * @param now The current time in ms.
   * @returns `now` if one is there already, else the time in ms.
   */
  nextAt(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? now : now + Math.ceil((1 - this.#tokens) / this.#perMs);
  }

  /** When the next token will be there (no earlier than the last time the bucket was used). */
  readyAt(): number {
    return this.#tokens >= 1 ? this.#at : this.#at + Math.ceil((1 - this.#tokens) / this.#perMs);
  }

  #refill(now: number): void {
    // A clock that steps back (the wall clock can) refills nothing rather than draining the bucket.
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = Math.max(this.#at, now);
  }
}

/**
 * Requests a member may make at once for a room's rate: four seconds' worth.
 * The server gives it in `welcome`; after the teacher's `/slow`, both ends
 * work it out from the new rate.
 *
 * @param rate Requests a second.
 * @returns The burst, at least 1.
 *
 * @example Usage
 * ```ts
 * import { roomBurst } from "./rate_limit.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(roomBurst(5), 20);
 * ```
 */
export function roomBurst(rate: number): number {
  return Math.max(1, Math.round(rate * 4));
}
