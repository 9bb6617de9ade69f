import { ok } from "node:assert/strict";
import { type MemoryTrim, startMemoryTrim, TRIM_UNDER_LOAD } from "../lib/io/memory_trim.ts";

const rssKb = () => Math.round(Deno.memoryUsage().rss / 1024);

/** The C library's allocator, to make a burst the way a server's runtime does. */
function openMalloc() {
  return Deno.dlopen("libc.so.6", {
    malloc: { parameters: ["usize"], result: "pointer" },
    free: { parameters: ["pointer"], result: "void" },
    memset: { parameters: ["pointer", "i32", "usize"], result: "pointer" },
  });
}

/**
 * A burst: `mb` MB in small blocks, then freed. One block kept after them stops glibc from giving
 * the space back by itself, as the rest of a server's live memory does.
 *
 * @returns The kept block, to free at the end.
 */
function burst(c: ReturnType<typeof openMalloc>, mb: number): Deno.PointerValue {
  const blocks = Array.from({ length: mb * 1000 }, () => {
    const block = c.symbols.malloc(1000n);
    c.symbols.memset(block, 1, 1000n);
    return block;
  });
  const kept = c.symbols.malloc(1000n);
  for (const block of blocks) c.symbols.free(block);
  return kept;
}

/**
 * Runs `body` with a trim started (its timer too slow to interfere) and the C library's
 * allocator open; frees the blocks it keeps, then stops both.
 */
function withTrim(
  body: (
    trim: MemoryTrim,
    c: ReturnType<typeof openMalloc>,
    kept: Deno.PointerValue[],
  ) => void,
): void {
  const trim = startMemoryTrim(60_000);
  ok(typeof trim !== "string", `not started: ${trim}`);
  const c = openMalloc();
  const kept: Deno.PointerValue[] = [];
  try {
    body(trim, c, kept);
  } finally {
    for (const block of kept) c.symbols.free(block);
    c.close();
    trim.stop();
  }
}

Deno.test({
  name: "memory the C library kept after a burst goes back to the system",
  ignore: Deno.build.os !== "linux",
  fn() {
    withTrim((trim, c, kept) => {
      kept.push(burst(c, 40));
      const before = rssKb();
      ok(trim.trim(), "nothing to give back");
      const after = rssKb();
      ok(before - after > 20_000, `RSS ${before} kB before, ${after} kB after`);
    });
  },
});

Deno.test({
  name: "under load, memory is trimmed when the process is larger than ever, at most every 100 ms",
  ignore: Deno.build.os !== "linux",
  fn() {
    withTrim((trim, c, kept) => {
      kept.push(burst(c, 40));
      let before = rssKb();
      trim.underLoad(1_000);
      ok(before - rssKb() > 20_000, "larger than ever: trimmed");
      kept.push(burst(c, 60));
      before = rssKb();
      trim.underLoad(1_000 + TRIM_UNDER_LOAD / 2);
      ok(before - rssKb() < 10_000, "too soon: not trimmed");
      trim.underLoad(1_000 + TRIM_UNDER_LOAD);
      ok(before - rssKb() > 20_000, "larger than ever again: trimmed");
    });
  },
});
