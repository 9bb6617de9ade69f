/**
 * The few cryptographic operations udpchat needs, synchronous so that the
 * sans-I/O machines can use them inline: random tokens, HMAC-SHA256,
 * comparing secrets in constant time, deriving keys from a room password
 * (PBKDF2, then HKDF per session and direction) and sealing frames with
 * AES-256-GCM. Built on Node's `crypto` module, which Deno provides.
 *
 * @module
 */

import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  pbkdf2Sync,
  randomBytes,
} from "node:crypto";

/** PBKDF2 iterations for a room password: slow enough to make guessing a captured handshake costly. */
export const PASSWORD_ITERATIONS = 200_000;

/** Bytes of a GCM nonce. */
const IV_BYTES = 12;
/** Bytes of a GCM authentication tag. */
const TAG_BYTES = 16;
/** Bytes {@linkcode seal} adds to what it seals: the nonce and the tag. */
export const SEAL_OVERHEAD: number = IV_BYTES + TAG_BYTES;

/**
 * Encodes bytes as base64url without padding (URL- and JSON-safe).
 *
 * @param bytes The bytes.
 * @returns The text.
 *
 * @example Usage
 * ```ts
 * import { base64url } from "./crypto.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(base64url(new Uint8Array([251, 255])), "-_8");
 * ```
 */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Decodes base64url text.
 *
 * @param text The text.
 * @returns The bytes, or `undefined` if the text is not base64url.
 */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Random bytes from the system's secure generator.
 *
 * @param count How many.
 * @returns The bytes.
 */
export function secureRandom(count: number): Uint8Array {
  return new Uint8Array(randomBytes(count));
}

/**
 * HMAC-SHA256 of a text, as base64url, shortened to `chars` characters.
 *
 * @param key The key.
 * @param text What to authenticate.
 * @param chars How many characters to keep (22 keep 132 bits).
 * @returns The MAC.
 *
 * @example Usage
 * ```ts
 * import { hmac } from "./crypto.ts";
 * import { equal, notEqual } from "node:assert/strict";
 *
 * const key = new Uint8Array(32);
 * equal(hmac(key, "a").length, 22);
 * notEqual(hmac(key, "a"), hmac(key, "b"));
 * ```
 */
export function hmac(key: Uint8Array, text: string, chars = 22): string {
  return base64url(new Uint8Array(createHmac("sha256", key).update(text).digest())).slice(0, chars);
}

/**
 * A number of `digits` decimal digits derived from an HMAC-SHA256: a short
 * code a person can type back.
 *
 * @param key The key.
 * @param text What the code is for.
 * @param digits How many digits.
 * @returns The code, with leading zeros.
 */
export function hmacDigits(key: Uint8Array, text: string, digits: number): string {
  const digest = createHmac("sha256", key).update(text).digest();
  const value = new DataView(digest.buffer, digest.byteOffset).getUint32(0) % 10 ** digits;
  return String(value).padStart(digits, "0");
}

/**
 * Compares two secrets in time that depends only on their length, so a
 * forger learns nothing from how fast a wrong guess is refused.
 *
 * @param a One secret.
 * @param b The other.
 * @returns Whether they are equal.
 *
 * @example Usage
 * ```ts
 * import { sameSecret } from "./crypto.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(sameSecret("k3j9", "k3j9"), true);
 * equal(sameSecret("k3j9", "k3jX"), false);
 * ```
 */
export function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * The room key: PBKDF2-SHA256 of the password. Both ends derive it; it never
 * travels.
 *
 * @param password The room password.
 * @param salt The server's salt for this room.
 * @param iterations PBKDF2 iterations.
 * @returns 32 bytes.
 */
export function roomKey(
  password: string,
  salt: string,
  iterations: number = PASSWORD_ITERATIONS,
): Uint8Array {
  return new Uint8Array(
    pbkdf2Sync(password.normalize("NFC"), `udpchat room ${salt}`, iterations, 32, "sha256"),
  );
}

/** A session's two keys, one per direction. */
export interface SessionKeys {
  /** Seals what the client sends. */
  up: Uint8Array;
  /** Seals what the server sends. */
  down: Uint8Array;
}

/**
 * Derives a session's keys from the room key (HKDF-SHA256), bound to both
 * ends' secrets, so every session, and every renewal, has its own.
 *
 * @param room The room key.
 * @param session The client's session nonce.
 * @param token The server's token for the session.
 * @returns The keys.
 */
export function sessionKeys(room: Uint8Array, session: string, token: string): SessionKeys {
  const derive = (info: string) =>
    new Uint8Array(hkdfSync("sha256", room, `${session}.${token}`, info, 32));
  return { up: derive("udpchat client to server"), down: derive("udpchat server to client") };
}

/**
 * Encrypts and authenticates bytes with AES-256-GCM.
 *
 * @param key The direction's key.
 * @param counter A number never used before with this key (the nonce).
 * @param plain The bytes.
 * @returns Nonce, ciphertext and tag, in one array.
 */
export function seal(key: Uint8Array, counter: number, plain: Uint8Array): Uint8Array {
  const iv = new Uint8Array(IV_BYTES);
  new DataView(iv.buffer).setBigUint64(4, BigInt(counter));
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = cipher.update(plain);
  const rest = cipher.final();
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(IV_BYTES + body.length + rest.length + TAG_BYTES);
  out.set(iv);
  out.set(body, IV_BYTES);
  out.set(rest, IV_BYTES + body.length);
  out.set(tag, out.length - TAG_BYTES);
  return out;
}

/**
 * The counter a sealed box was made with (its nonce), to refuse replays.
 *
 * @param box What {@linkcode seal} returned.
 * @returns The counter.
 */
export function sealedCounter(box: Uint8Array): number {
  return Number(new DataView(box.buffer, box.byteOffset).getBigUint64(4));
}

/**
 * Decrypts and checks bytes sealed by {@linkcode seal}.
 *
 * @param key The direction's key.
 * @param box What `seal` returned.
 * @returns The bytes, or `undefined` if they were not sealed with this key or were changed.
 */
export function open(key: Uint8Array, box: Uint8Array): Uint8Array | undefined {
  if (box.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, box.subarray(0, IV_BYTES));
    decipher.setAuthTag(box.subarray(box.length - TAG_BYTES));
    const body = decipher.update(box.subarray(IV_BYTES, box.length - TAG_BYTES));
    const rest = decipher.final();
    const out = new Uint8Array(body.length + rest.length);
    out.set(body);
    out.set(rest, body.length);
    return out;
  } catch {
    return undefined;
  }
}
