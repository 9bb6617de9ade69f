/**
 * 100,000 random and mutated v2 datagrams at the real server and, claiming
 * to come from the server, at a real client, while two members chat: nobody
 * crashes, memory stays bounded, and the members lose nothing. (`deno task
 * fuzz` sends 500,000.)
 */

import { equal, ok } from "node:assert/strict";
import { forgeSkipReason } from "./forge.ts";
import { fuzz } from "./fuzz.ts";

const skip = await forgeSkipReason();
if (skip) console.log(`SKIPPED fuzz_test.ts: ${skip}`);

Deno.test({
  name:
    "fuzzing: 100,000 hostile datagrams leave the server and a client standing, and chat intact",
  ignore: skip !== undefined,
  fn: async () => {
    const figures = await fuzz(100_000);
    console.log("fuzz:", JSON.stringify(figures));
    equal(figures.exitCode, 0, "the server stopped cleanly, not crashed");
    equal(figures.aliceReconnects, 0);
    equal(figures.aliceFailed + figures.bobFailed, 0);
    ok(figures.rssAfterMB - figures.rssBeforeMB < 50, "memory stays bounded");
  },
});
