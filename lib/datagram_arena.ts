/**
 * Memory the server's datagrams are written in, reused turn after turn.
 *
 * A datagram built in a fresh `Uint8Array` lives in C memory until the
 * garbage collector finds it dead; in a join storm that is about 30 MB of
 * member lists and history in a second, and the server's peak memory rose
 * with it. The socket loop's fast path copies every datagram into its own
 * send memory before the next turn, so the same bytes can be written over:
 * the loop says so with {@linkcode DatagramArena.reset}. Without a reset the
 * arena is only an allocator of views into larger blocks, as safe as fresh
 * arrays (each block lives while any of its datagrams does).
 *
 * @module
 */

/** The smallest block, and the one a quiet arena shrinks back to. */
const MIN_BLOCK = 64 * 1024;
/** The largest block: a turn that needs more takes fresh arrays beyond it. */
const MAX_BLOCK = 1024 * 1024;
/** Resets after which a block larger than the largest turn among them is made smaller. */
const RESIZE_EVERY = 1024;

/**
 * Hands out views for datagrams, written over after each reset.
 *
 * @example Usage
 * ```ts
 * import { DatagramArena } from "./datagram_arena.ts";
 * import { equal, notEqual } from "node:assert/strict";
 *
 * const arena = new DatagramArena();
 * const a = arena.take(3);
 * const b = arena.take(3);
 * notEqual(a.byteOffset, b.byteOffset); // side by side until a reset
 * a.set([1, 2, 3]);
 * arena.reset(); // a and b were sent: their bytes may be reused
 * equal(arena.take(3).byteOffset, a.byteOffset);
 * ```
 */
export class DatagramArena {
  #block = new Uint8Array(MIN_BLOCK);
  #at = 0;
  /** Bytes taken since the last reset, in the block or beyond it. */
  #taken = 0;
  /** The most bytes one turn took since the block's size was last decided, and the turns since. */
  #peak = 0;
  #resets = 0;

  /** Bytes the arena keeps between turns. */
  get size(): number {
    return this.#block.length;
  }

  /**
   * A view of `size` bytes, not shared with anything taken since the last
   * reset. Its contents are not cleared: write every byte.
   *
   * @param size Bytes wanted.
   * @returns The view.
   */
  take(size: number): Uint8Array {
    this.#taken += size;
    const at = this.#at;
    if (at + size > this.#block.length) return new Uint8Array(size);
    this.#at = at + size;
    return this.#block.subarray(at, at + size);
  }

  /**
   * Whether `data` lies in the memory a reset lets be written over (not in an
   * array taken beyond the block, which is never reused).
   *
   * @param data A datagram.
   * @returns `true` if it must be copied to outlive the next reset.
   */
  holds(data: Uint8Array): boolean {
    return data.buffer === this.#block.buffer;
  }

  /**
   * Says that nothing taken so far is read again: later views may reuse it.
   * The block grows to fit the largest turn and, when turns have long been
   * smaller, shrinks back.
   */
  reset(): void {
    const taken = this.#taken;
    this.#at = 0;
    this.#taken = 0;
    if (taken > this.#block.length && this.#block.length < MAX_BLOCK) {
      this.#block = new Uint8Array(blockFor(taken));
      this.#resets = 0;
      this.#peak = 0;
      return;
    }
    this.#peak = Math.max(this.#peak, taken);
    if (++this.#resets < RESIZE_EVERY) return;
    const fits = blockFor(this.#peak);
    if (fits < this.#block.length) this.#block = new Uint8Array(fits);
    this.#resets = 0;
    this.#peak = 0;
  }
}

/** The block for turns of up to `bytes`: a power of two within the bounds. */
function blockFor(bytes: number): number {
  let size = MIN_BLOCK;
  while (size < bytes && size < MAX_BLOCK) size *= 2;
  return size;
}
