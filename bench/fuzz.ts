/**
 * The long fuzzing run: `deno task fuzz` sends 500,000 random and mutated v2
 * datagrams at a real server and (from the server's address) at a real
 * client on loopback while two members chat, and prints what happened.
 * Needs root and python3 (forged source addresses); CI runs 100,000.
 */

import { forgeSkipReason } from "../tests/forge.ts";
import { fuzz } from "../tests/fuzz.ts";

const skip = await forgeSkipReason();
if (skip) {
  console.log(`fuzz: cannot run: ${skip}`);
  Deno.exit(1);
}
const count = Number(Deno.args[0] ?? 500_000);
const started = performance.now();
const figures = await fuzz(count, 7);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(JSON.stringify({ ...figures, seconds }));
