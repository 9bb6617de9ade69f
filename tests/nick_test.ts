import { equal, throws } from "node:assert/strict";
import { MAX_NICK, uniqueNick, validateNick } from "../lib/nick.ts";

Deno.test("validateNick() accepts any script up to 24 characters", () => {
  equal(validateNick("alice"), "alice");
  equal(validateNick("王小明"), "王小明");
  equal(validateNick("Zoë😀"), "Zoë😀");
  equal(validateNick("x".repeat(MAX_NICK)), "x".repeat(MAX_NICK));
});

Deno.test("validateNick() refuses empty, long, spaced and control-character names", () => {
  throws(() => validateNick(""), /empty/);
  throws(() => validateNick("x".repeat(MAX_NICK + 1)), /at most 24/);
  throws(() => validateNick("a b"), /spaces/);
  throws(() => validateNick("evil\x1b[2J"), /control/);
  throws(() => validateNick("rtl\u202eoverride"), /control/);
});

Deno.test("uniqueNick() appends the first free number within the length limit", () => {
  const taken = new Set(["alice", "alice2", "x".repeat(24)]);
  equal(uniqueNick("bob", (n) => taken.has(n)), "bob");
  equal(uniqueNick("alice", (n) => taken.has(n)), "alice3");
  equal(uniqueNick("x".repeat(24), (n) => taken.has(n)), "x".repeat(23) + "2");
});
