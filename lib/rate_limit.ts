/**
 * Token buckets per key, with a bounded number of keys, so that replies to bad
 * datagrams can never be used to flood anyone.
 *
 * @module
 */

/** Settings of a {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Tokens each key may spend at once. @default {5} */
  burst?: number;
  /** Tokens each key regains per second. @default {1} */
  perSecond?: number;
  /** Most keys remembered; the oldest is forgotten beyond it. @default {1024} */
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
  #buckets = new Map<string, { tokens: number; at: number }>();
  #burst: number;
  #perMs: number;
  #maxKeys: number;

  /**
   * Creates a limiter.
   *
   * @param options Burst, rate and memory bound.
   */
  constructor(options: RateLimiterOptions = {}) {
    const { burst = 5, perSecond = 1, maxKeys = 1024 } = options;
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#maxKeys = maxKeys;
  }

  /**
   * Spends a token for `key` if one is left.
   *
   * @param key Who is asking, e.g. an address key.
   * @param now The current time in ms.
   * @returns Whether the event is allowed.
   */
  allow(key: string, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxKeys) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(key, bucket);
    }
    // A clock that steps back (the wall clock can) refills nothing rather than draining the bucket.
    bucket.tokens = Math.min(
      this.#burst,
      bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs,
    );
    bucket.at = Math.max(bucket.at, now);
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }
}
