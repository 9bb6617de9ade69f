/**
 * The flood table: `deno task flood` runs each of issue 10's floods for 10 s
 * against a real server on loopback while two honest members chat at 5
 * messages a second each, and prints a Markdown table (docs/SECURITY.md
 * quotes it). The random flood forges source addresses: it needs root and
 * python3, and is left out without them.
 *
 *   deno task flood [SECONDS] [unpaced|paced|legacy|random …]
 */

import { forgeSkipReason } from "../tests/forge.ts";
import { flood, type FloodKind, type FloodResult, floodTable } from "../tests/flood.ts";

const [secondsArg, ...only] = Deno.args;
const seconds = Number(secondsArg ?? 10);
const kinds: FloodKind[] = only.length > 0
  ? only as FloodKind[]
  : ["unpaced", "paced", "legacy", "random"];
if (await forgeSkipReason() !== undefined && kinds.includes("random")) {
  kinds.splice(kinds.indexOf("random"), 1);
  console.error("random: left out (forging source addresses needs root and python3)");
}
const results: FloodResult[] = [];
for (const kind of kinds) {
  results.push(await flood(kind, seconds * 1000));
  console.error(`${kind}: done`);
}
console.log(floodTable(results));
