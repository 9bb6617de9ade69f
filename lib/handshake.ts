/**
 * The proofs of a room password, for both ends of the handshake. Neither
 * end sends the password: both derive the room key from it (PBKDF2 with the
 * server's salt, which `retry` carries) and prove they hold it with HMACs
 * bound to this handshake's secrets; the session's sealing keys are derived
 * from it and from both ends' secrets (HKDF), so every session has its own.
 *
 * @module
 */

import { hmac, roomKey, type SessionKeys, sessionKeys } from "./crypto.ts";
import type { EnvelopeKeys } from "./envelope.ts";

/** A room password as both ends hold it: the derived key and the salt it was derived with. */
export interface RoomSecret {
  /** The salt, sent in `retry`. */
  readonly salt: string;
  /** PBKDF2 of the password with the salt. */
  readonly key: Uint8Array;
}

/**
 * Derives the room secret from a password (slow on purpose: about 0.1 s).
 *
 * @param password The room password.
 * @param salt The server's salt.
 * @returns The secret.
 */
export function roomSecret(password: string, salt: string): RoomSecret {
  return { salt, key: roomKey(password, salt) };
}

/**
 * What a client's `join` carries to prove it knows the password.
 *
 * @param secret The room secret.
 * @param session The client's session nonce.
 * @param cookie The cookie from `retry`.
 * @param nick The nickname asked for.
 * @returns The proof.
 *
 * @example Usage
 * ```ts
 * import { joinProof } from "./handshake.ts";
 * import { notEqual } from "node:assert/strict";
 *
 * const secret = { salt: "s", key: new Uint8Array(32) };
 * notEqual(joinProof(secret, "n1", "c", "ann"), joinProof(secret, "n1", "c", "bob"));
 * ```
 */
export function joinProof(
  secret: RoomSecret,
  session: string,
  cookie: string,
  nick: string,
): string {
  return hmac(secret.key, `join|${session}|${cookie}|${nick}`);
}

/**
 * What the server's `welcome` carries to prove it knows the password too.
 *
 * @param secret The room secret.
 * @param session The client's session nonce.
 * @param token The token the server issues.
 * @returns The proof.
 */
export function welcomeProof(secret: RoomSecret, session: string, token: string): string {
  return hmac(secret.key, `welcome|${session}|${token}`);
}

/**
 * One end's sealing keys for a session.
 *
 * @param secret The room secret.
 * @param session The client's session nonce.
 * @param token The server's token.
 * @param side Which end is asking.
 * @returns The keys this end sends and receives with.
 */
export function envelopeKeys(
  secret: RoomSecret,
  session: string,
  token: string,
  side: "client" | "server",
): EnvelopeKeys {
  const keys: SessionKeys = sessionKeys(secret.key, session, token);
  return side === "client"
    ? { send: keys.up, receive: keys.down }
    : { send: keys.down, receive: keys.up };
}
