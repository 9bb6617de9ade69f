/**
 * Nickname rules, shared by the server (which enforces them) and the client
 * (which checks before asking). Nicknames are compared as people read them,
 * after the PRECIS nickname profile (RFC 8266): NFKC, so `ａｌｉｃｅ` is
 * `alice`, then case folding, so `Alice` is `alice`. Beyond that, a nickname
 * may not hide or impersonate:
 *
 * - no white space, control, formatting or default-ignorable characters, and
 *   none of the characters that draw as blank (U+2800, the Hangul fillers);
 * - at least one letter, digit or emoji, so `***` or `-->` cannot pass as the
 *   room's own notices;
 * - one script, as UTS #39's "highly restrictive" level: Latin may mix with
 *   Han and Japanese kana, Han with Bopomofo or Hangul, but `аlice` (Cyrillic
 *   а) is refused;
 * - not a look-alike of a member's nickname: {@linkcode nickSkeleton} maps
 *   characters that look like Latin letters (Cyrillic and Greek homoglyphs,
 *   `0`, `1`, `I`, `rn`) to them, a simpler rule than UTS #39's full table.
 *
 * @module
 */

/** The longest nickname, in characters (code points). */
export const MAX_NICK = 24;

/** Characters that draw as nothing (default-ignorable, blank-looking); emoji variation selectors are fine. */
const INVISIBLE =
  /[\s\p{C}\u2800\u115f\u1160\u3164\uffa0]|(?![\ufe0e\ufe0f])\p{Default_Ignorable_Code_Point}/u;

/** Something a person reads as a name: a letter, a digit or an emoji. */
const READABLE = /[\p{L}\p{N}\p{Extended_Pictographic}]/u;

const SCRIPTS = [
  "Latin",
  "Greek",
  "Cyrillic",
  "Armenian",
  "Hebrew",
  "Arabic",
  "Devanagari",
  "Bengali",
  "Tamil",
  "Thai",
  "Georgian",
  "Hangul",
  "Hiragana",
  "Katakana",
  "Bopomofo",
  "Han",
].map((name) => ({ name, test: new RegExp(`\\p{Script=${name}}`, "u") }));

/** Script sets that may mix in one name (UTS #39, highly restrictive). */
const MIXES = [
  ["Latin", "Han", "Hiragana", "Katakana"],
  ["Latin", "Han", "Bopomofo"],
  ["Latin", "Han", "Hangul"],
];

/** Characters that look like Latin letters, mapped to them (before case folding). */
const LOOKALIKES: Record<string, string> = {
  // Cyrillic
  "а": "a",
  "в": "b",
  "е": "e",
  "ё": "e",
  "к": "k",
  "о": "o",
  "р": "p",
  "с": "c",
  "у": "y",
  "х": "x",
  "ѕ": "s",
  "і": "i",
  "ї": "i",
  "ј": "j",
  "ԁ": "d",
  "ԛ": "q",
  "ԝ": "w",
  "һ": "h",
  "ӏ": "l",
  "ү": "y",
  "А": "A",
  "В": "B",
  "Е": "E",
  "К": "K",
  "М": "M",
  "Н": "H",
  "О": "O",
  "Р": "P",
  "С": "C",
  "Т": "T",
  "У": "Y",
  "Х": "X",
  "Ѕ": "S",
  "І": "l",
  "Ј": "J",
  "Ԁ": "D",
  // Greek
  "α": "a",
  "ο": "o",
  "ρ": "p",
  "ν": "v",
  "ι": "i",
  "κ": "k",
  "υ": "u",
  "χ": "x",
  "ε": "e",
  "Α": "A",
  "Β": "B",
  "Ε": "E",
  "Ζ": "Z",
  "Η": "H",
  "Ι": "l",
  "Κ": "K",
  "Μ": "M",
  "Ν": "N",
  "Ο": "O",
  "Ρ": "P",
  "Τ": "T",
  "Υ": "Y",
  "Χ": "X",
  // Latin and digits that pass for others
  "I": "l",
  "1": "l",
  "|": "l",
  "0": "o",
  "ɡ": "g",
  "ı": "i",
};

/**
 * Normalises a nickname and checks it against the rules above.
 *
 * @param nick The nickname as typed.
 * @returns The nickname as shown: NFKC-normalised.
 * @throws {RangeError} With a sentence saying what is wrong.
 *
 * @example Usage
 * ```ts
 * import { validateNick } from "./nick.ts";
 * import { equal, throws } from "node:assert/strict";
 *
 * equal(validateNick("小明"), "小明");
 * equal(validateNick("ａｌｉｃｅ"), "alice");
 * throws(() => validateNick("two words"), RangeError);
 * throws(() => validateNick("аlice"), /mixes Cyrillic and Latin/); // a Cyrillic а
 * ```
 */
export function validateNick(nick: string): string {
  const normal = nick.normalize("NFKC");
  const length = [...normal].length;
  if (length === 0) throw new RangeError("Nickname cannot be empty");
  if (length > MAX_NICK) {
    throw new RangeError(`Nickname must be at most ${MAX_NICK} characters: it has ${length}`);
  }
  if (INVISIBLE.test(normal)) {
    throw new RangeError("Nickname cannot contain spaces, control or invisible characters");
  }
  if (!READABLE.test(normal)) {
    throw new RangeError("Nickname needs at least one letter, digit or emoji");
  }
  const scripts = new Set<string>();
  for (const char of normal) {
    if (!/\p{L}/u.test(char)) continue;
    scripts.add(SCRIPTS.find((script) => script.test.test(char))?.name ?? "another script");
  }
  if (scripts.size > 1 && !MIXES.some((mix) => [...scripts].every((s) => mix.includes(s)))) {
    const [first, second] = [...scripts];
    throw new RangeError(`Nickname mixes ${first} and ${second} letters: use one script`);
  }
  return normal;
}

/**
 * The comparison key for nicknames (RFC 8266): `Alice`, `ALICE` and `ａｌｉｃｅ`
 * are the same member.
 *
 * @param nick A nickname.
 * @returns Its NFKC, case-folded form.
 *
 * @example Usage
 * ```ts
 * import { nickKey } from "./nick.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(nickKey("ＡＬＩＣＥ"), nickKey("alice"));
 * ```
 */
export function nickKey(nick: string): string {
  return nick.normalize("NFKC").toLowerCase().normalize("NFKC");
}

/**
 * What a nickname looks like, for spotting impersonation: characters that
 * pass for Latin letters become them, then case is folded. Two different
 * nicknames with one skeleton would be confused on screen.
 *
 * @param nick A valid nickname.
 * @returns Its skeleton.
 *
 * @example Usage
 * ```ts
 * import { nickSkeleton } from "./nick.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(nickSkeleton("аӏісе"), nickSkeleton("alice")); // all Cyrillic
 * equal(nickSkeleton("a1ice"), nickSkeleton("AIice"));
 * ```
 */
export function nickSkeleton(nick: string): string {
  const mapped = [...nick.normalize("NFKC")].map((char) => LOOKALIKES[char] ?? char).join("");
  return mapped.toLowerCase().replace(/rn/g, "m").replace(/vv/g, "w");
}

/**
 * Finds a free variant of a nickname: `alice`, then `alice2`, `alice3`, …,
 * shortening the base so the variant stays within {@linkcode MAX_NICK}.
 *
 * @param nick A valid nickname.
 * @param taken Whether a nickname is in use.
 * @returns `nick` itself when free, else the first free variant.
 *
 * @example Usage
 * ```ts
 * import { uniqueNick } from "./nick.ts";
 * import { equal } from "node:assert/strict";
 *
 * const taken = new Set(["alice", "alice2"]);
 * equal(uniqueNick("alice", (n) => taken.has(n)), "alice3");
 * ```
 */
export function uniqueNick(nick: string, taken: (nick: string) => boolean): string {
  if (!taken(nick)) return nick;
  const chars = [...nick];
  for (let i = 2;; i++) {
    const suffix = String(i);
    const candidate = chars.slice(0, MAX_NICK - suffix.length).join("") + suffix;
    if (!taken(candidate)) return candidate;
  }
}
