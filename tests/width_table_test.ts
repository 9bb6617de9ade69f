import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { tableSource, wideRanges } from "../tools/width_table.ts";
import { WIDE_RANGES } from "../lib/width_table.ts";
import { displayWidth } from "../lib/width.ts";

const SAMPLE = `# EastAsianWidth-15.1.0.txt
0020..007E;Na    # ASCII
00A7;A           # SECTION SIGN: ambiguous stays narrow
1100..115F;W     # HANGUL CHOSEONG
3000;F           # IDEOGRAPHIC SPACE
3001..3003;W     # touches the one before: merged
FF01..FF60;F
`;

Deno.test("tools/width_table.ts takes the W and F ranges of EastAsianWidth.txt, merged, and nothing else", () => {
  const { version, ranges } = wideRanges(SAMPLE);
  equal(version, "15.1.0");
  deepEqual(ranges, [[0x1100, 0x115f], [0x3000, 0x3003], [0xff01, 0xff60]]);
  throws(() => wideRanges("3000;F\nnot a line\n"), /Cannot read line 2: not a line/);
  ok(tableSource(version, ranges).includes("0x1100, 0x115f, 0x3000, 0x3003, 0xff01, 0xff60,"));
});

Deno.test("the generated width table is ordered and measures CJK, Hangul, fullwidth and emoji as two cells", () => {
  for (let i = 0; i < WIDE_RANGES.length; i += 2) {
    ok(WIDE_RANGES[i] <= WIDE_RANGES[i + 1], `range ${i / 2} runs backwards`);
    if (i > 0) ok(WIDE_RANGES[i] > WIDE_RANGES[i - 1] + 1, `range ${i / 2} touches the one before`);
  }
  equal(displayWidth("你好"), 4);
  equal(displayWidth("한국"), 4);
  equal(displayWidth("ＡＢ"), 4);
  equal(displayWidth("⌚"), 2);
  // Ambiguous (Greek, circled digits) and narrow stay one cell each.
  equal(displayWidth("αβ①"), 3);
  equal(displayWidth("ｱ"), 1, "halfwidth katakana");
});
