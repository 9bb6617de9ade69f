/**
 * Gives the memory the C library holds free back to the system, now and then
 * (glibc's `malloc_trim`). After a burst — a class of 1,000 joining at once —
 * glibc keeps what was freed for later, and an idle server would stay near
 * its peak: 104–107 MB an idle minute after such a storm here, 76–83 MB
 * with this. During the burst itself, what was freed lies in holes between
 * live blocks, still in memory while new blocks are taken elsewhere: trimmed
 * as it grows, a storm's peak was 94–103 MB (median 98.5) against 99–111
 * (median 102.5) in ten interleaved pairs. Linux with
 * `--allow-ffi` only, as the fast send path.
 *
 * @module
 */

/**
 * How often the free memory is given back, in ms: a call takes ~0.25 ms
 * with nothing to give back, ~4 ms for 40 MB.
 */
export const TRIM_EVERY = 10_000;

/**
 * How often, at most, memory is looked at while the server is busy, in ms:
 * often enough to matter in a storm that lasts about a second.
 */
export const TRIM_UNDER_LOAD = 100;

/** A running trim: what {@linkcode startMemoryTrim} returns. */
export interface MemoryTrim {
  /**
   * Trims now.
   *
   * @returns Whether any memory was given back.
   */
  trim(): boolean;
  /**
   * Says the process is busy and may be taking memory fast: every
   * {@linkcode TRIM_UNDER_LOAD} ms at most, trims if the process is larger
   * than it has ever been. Under a steady load, whose memory is taken and
   * freed over and over, trimming would only make the next use of it fault
   * the pages in again (about 5% fewer deliveries a second when it trimmed
   * every 100 ms).
   *
   * @param now The current time in ms.
   */
  underLoad(now: number): void;
  /** Stops the timer and unloads the C library. */
  stop(): void;
}

const SYMBOLS = { malloc_trim: { parameters: ["usize"], result: "i32" } } as const;

/**
 * Trims the C library's free memory every `every` ms, on a timer that does
 * not keep the process alive, and more often under load when told
 * ({@linkcode MemoryTrim.underLoad}): not on a faster timer, as each call
 * costs ~0.25 ms even with nothing to give back, 0.5% of a core for an idle
 * server trimmed every 100 ms.
 *
 * @example Usage
 * ```ts ignore
 * const trim = startMemoryTrim();
 * if (typeof trim === "string") console.log(`memory not trimmed: ${trim}`);
 * else trim.stop(); // when the server stops
 * ```
 *
 * @param every How often, in ms.
 * @returns A handle to trim at once or stop, or why trimming is not possible here.
 */
export function startMemoryTrim(
  every: number = TRIM_EVERY,
): MemoryTrim | string {
  if (Deno.build.os !== "linux") return `malloc_trim is glibc's (this is ${Deno.build.os})`;
  // Asked first, so that a terminal never shows Deno's permission prompt for it.
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return "no --allow-ffi";
  let libc: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    libc = Deno.dlopen("libc.so.6", SYMBOLS);
  } catch (error) {
    return `cannot load the C library (${(error as Error).message})`;
  }
  // 1 when memory was given back, 0 when there was none to give.
  const trim = () => libc.symbols.malloc_trim(0n) === 1;
  const timer = setInterval(trim, every);
  Deno.unrefTimer(timer);
  let lookedAt = -Infinity;
  let largest = 0;
  return {
    trim,
    underLoad(now) {
      if (now - lookedAt < TRIM_UNDER_LOAD) return;
      lookedAt = now;
      const size = Deno.memoryUsage().rss;
      if (size <= largest) return;
      largest = size;
      trim();
    },
    stop: () => {
      clearInterval(timer);
      libc.close();
    },
  };
}
