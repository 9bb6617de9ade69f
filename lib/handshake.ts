/**
 * The handshake's secrets: the client's side of a join ({@linkcode ClientHandshake}),
 * and the proofs of a room password for both ends. Neither
 * end sends the password: both derive the room key from it (PBKDF2 with the
 * server's salt, which `retry` carries) and prove they hold it with HMACs
 * bound to this handshake's secrets; the session's sealing keys are derived
 * from it and from both ends' secrets (HKDF), so every session has its own.
 *
 * @module
 */

import { base64url, hmac, roomKey, sameSecret, type SessionKeys, sessionKeys } from "./crypto.ts";
import { Envelope, type EnvelopeKeys } from "./envelope.ts";
import { type ClientFrame, encodePadded, type ServerFrame } from "./frame.ts";
import type { TraceNotes } from "./trace.ts";

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

/** Frames a client sends with its session's token. */
export type ClientSessionFrame = Extract<ClientFrame, { token: string }>;

/** Joins are padded to this size, so that no answer to one is larger. */
export const JOIN_SIZE = 256;

/**
 * One join, the client's side: the nonce that proves the server's answers,
 * the cookie that proves the client's address, and the room key when the
 * room has a password.
 *
 * @example Usage
 * ```ts
 * import { ClientHandshake } from "./handshake.ts";
 * import { equal } from "node:assert/strict";
 *
 * const handshake = new ClientHandshake(undefined, (n) => new Uint8Array(n).fill(1));
 * handshake.restart();
 * const join = JSON.parse(new TextDecoder().decode(handshake.join("ann", {})));
 * equal(join.session, handshake.session);
 * equal(handshake.answers("someone else's"), false);
 * ```
 */
export class ClientHandshake {
  readonly #password: string | undefined;
  readonly #random: (count: number) => Uint8Array;
  #session = "";
  #cookie: string | undefined;
  #secret: RoomSecret | undefined;

  /**
   * Creates the handshake.
   *
   * @param password The room password, if the user gave one.
   * @param random Secure random bytes.
   */
  constructor(password: string | undefined, random: (count: number) => Uint8Array) {
    this.#password = password;
    this.#random = random;
  }

  /** This join's nonce. */
  get session(): string {
    return this.#session;
  }

  /** Starts a new join: a new nonce, no cookie yet. */
  restart(): void {
    this.#session = base64url(this.#random(16));
    this.#cookie = undefined;
  }

  /**
   * Whether a server frame before `welcome` answers this join.
   *
   * @param session The nonce the frame echoes.
   * @returns `true` when it is this join's.
   */
  answers(session: string): boolean {
    return sameSecret(session, this.#session);
  }

  /**
   * Takes the server's `retry`: its cookie, and its salt when the room has a password.
   *
   * @param retry The retry frame.
   * @returns Why the client cannot go on (a password is needed), or `undefined`.
   */
  retry(retry: Extract<ServerFrame, { type: "retry" }>): string | undefined {
    if (retry.salt === undefined) {
      this.#secret = undefined;
    } else if (this.#password === undefined) {
      return "this room has a password: start the client with --password";
    } else if (this.#secret?.salt !== retry.salt) {
      // Deriving the room key is slow on purpose; do it once per server salt.
      this.#secret = roomSecret(this.#password, retry.salt);
    }
    this.#cookie = retry.cookie;
    return undefined;
  }

  /**
   * The `join` to send now, padded, with the cookie and the password proof once known.
   *
   * @param nick The nickname to ask for.
   * @param resume The room epoch and last `seq` shown, when coming back.
   * @returns The datagram.
   */
  join(nick: string, resume: { epoch?: string; last?: number }): Uint8Array {
    const cookie = this.#cookie;
    const proof = this.#secret && cookie && joinProof(this.#secret, this.#session, cookie, nick);
    const join = {
      type: "join" as const,
      nick,
      session: this.#session,
      ...resume,
      ...(cookie ? { cookie } : {}),
      ...(proof ? { proof } : {}),
    };
    return encodePadded(join, JOIN_SIZE);
  }

  /**
   * Checks a `welcome` for this join and opens the session.
   *
   * @param welcome The welcome.
   * @param notes With `--trace`: where the envelope says what each sealed frame holds.
   * @returns The session's envelope, or `undefined` if the welcome's password proof is wrong.
   */
  welcome(
    welcome: Extract<ServerFrame, { type: "welcome" }>,
    notes?: TraceNotes,
  ): Envelope<ClientSessionFrame> | undefined {
    const secret = this.#secret;
    if (
      secret &&
      !sameSecret(welcome.proof ?? "", welcomeProof(secret, welcome.session, welcome.token))
    ) {
      return undefined; // not from a server that knows the password
    }
    const keys = secret && envelopeKeys(secret, welcome.session, welcome.token, "client");
    return new Envelope(welcome.token, keys, notes);
  }
}
