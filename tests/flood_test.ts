/**
 * Short floods at the real server while two members chat (`deno task flood`
 * runs them for 10 s each and prints the table in docs/SECURITY.md). The
 * latencies are printed, not asserted: on a shared 2-core machine they are
 * a measurement, not a rule. What must always hold: the honest members lose
 * nothing and are never removed, and the flooder gets its rate, not thousands.
 */

import { equal, ok } from "node:assert/strict";
import { flood, type FloodKind, floodTable } from "./flood.ts";

for (const kind of ["unpaced", "legacy"] as FloodKind[]) {
  Deno.test(`flood (${kind}, 3 s): honest members lose nothing, stay, and the flooder gets its rate`, async () => {
    const result = await flood(kind, 3000);
    console.log(floodTable([result]).split("\n").at(-1));
    equal(result.honestLost, 0);
    equal(result.honestRemoved, 0);
    // 20 at once, then 5 a second for the flood and the few seconds of measuring after it.
    ok(result.floodAccepted <= 20 + 5 * 10, `${result.floodAccepted} flood messages shown`);
  });
}
