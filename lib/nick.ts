/**
 * Nickname rules, shared by the server (which enforces them) and the client
 * (which checks before asking).
 *
 * @module
 */

/** The longest nickname, in characters (code points). */
export const MAX_NICK = 24;

/**
 * Normalises a nickname and checks it: 1 to {@linkcode MAX_NICK} characters of
 * any script, no white space, no control or formatting characters.
 *
 * @param nick The nickname as typed.
 * @returns The normalised (NFC) nickname.
 * @throws {RangeError} With a sentence saying what is wrong.
 *
 * @example Usage
 * ```ts
 * import { validateNick } from "./nick.ts";
 * import { equal, throws } from "node:assert/strict";
 *
 * equal(validateNick("小明"), "小明");
 * throws(() => validateNick("two words"), RangeError);
 * ```
 */
export function validateNick(nick: string): string {
  const normal = nick.normalize("NFC");
  const length = [...normal].length;
  if (length === 0) throw new RangeError("Nickname cannot be empty");
  if (length > MAX_NICK) {
    throw new RangeError(
      `Nickname must be at most ${MAX_NICK} characters: '${normal}' has ${length}`,
    );
  }
  if (/[\s\p{C}]/u.test(normal)) {
    throw new RangeError("Nickname cannot contain spaces or control characters");
  }
  return normal;
}

/**
 * The comparison key for nicknames: `Alice` and `alice` are the same member.
 *
 * @param nick A valid nickname.
 * @returns Its case-folded form.
 */
export function nickKey(nick: string): string {
  return nick.toLowerCase();
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
