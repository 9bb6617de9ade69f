/**
 * A hand-driven v2 client over real UDP, for tests that play a malicious but
 * genuine member: it does the handshake (join, retry, join with the cookie,
 * welcome), then sends whatever frames the test wants, with its own token,
 * and acknowledges the server's stream so it stays a member.
 *
 * @module
 */

import { encodeFrame, encodePadded } from "../lib/frame.ts";

const decoder = new TextDecoder();

/** A member the test scripts frame by frame. */
export class RawClient {
  readonly #conn: Deno.DatagramConn;
  readonly #server: Deno.NetAddr;
  readonly #receiving: Promise<void>;
  #frames: Array<Record<string, unknown>> = [];
  /** The session token from the welcome. */
  token = "";
  /** The next number on this client's stream. */
  n = 0;

  private constructor(conn: Deno.DatagramConn, server: Deno.NetAddr) {
    this.#conn = conn;
    this.#server = server;
    this.#receiving = this.#receive();
  }

  /**
   * Joins a server on loopback.
   *
   * @param port The server's port.
   * @param nick The nickname to ask for.
   * @returns The joined client.
   */
  static async join(port: number, nick: string): Promise<RawClient> {
    const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const client = new RawClient(conn, { transport: "udp", hostname: "127.0.0.1", port });
    const session = `raw-${nick}-${Math.random().toString(36).slice(2)}`;
    await client.#sendRaw(encodePadded({ type: "join", nick, session }, 256));
    const retry = await client.waitFor((f) => f.type === "retry");
    const join = { type: "join" as const, nick, session, cookie: retry.cookie as string };
    await client.#sendRaw(encodePadded(join, 256));
    const answer = await client.waitFor((f) => f.type === "welcome" || f.type === "refused");
    if (answer.type === "refused") {
      await client.close();
      throw new Error(String(answer.reason));
    }
    client.token = answer.token as string;
    return client;
  }

  /** This client's address, as the server sees it. */
  get port(): number {
    return (this.#conn.addr as Deno.NetAddr).port;
  }

  /** Every frame received so far. */
  get frames(): ReadonlyArray<Record<string, unknown>> {
    return this.#frames;
  }

  /**
   * Sends a request on this client's stream, numbered and with its token.
   *
   * @param frame The request without `n` and `token`.
   */
  async request(frame: Record<string, unknown>): Promise<void> {
    await this.#sendRaw(
      new TextEncoder().encode(
        JSON.stringify({ udpchat: 2, ...frame, token: this.token, n: ++this.n }),
      ),
    );
  }

  /**
   * Sends a datagram as it is (a flood test's own frames).
   *
   * @param data The datagram.
   */
  async send(data: Uint8Array): Promise<void> {
    await this.#sendRaw(data);
  }

  /** Waits for a frame matching `predicate`, failing after `ms`. */
  async waitFor(
    predicate: (frame: Record<string, unknown>) => boolean,
    ms = 5000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const frame = this.#frames.find(predicate);
      if (frame) return frame;
      if (Date.now() > deadline) throw new Error("RawClient: timed out waiting for a frame");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Leaves the socket (without a leave frame: the server times it out). */
  async close(): Promise<void> {
    this.#conn.close();
    await this.#receiving;
  }

  async #sendRaw(data: Uint8Array): Promise<void> {
    await this.#conn.send(data, this.#server);
  }

  async #receive(): Promise<void> {
    try {
      for (;;) {
        const [data] = await this.#conn.receive();
        const frame = JSON.parse(decoder.decode(data));
        this.#frames.push(frame);
        if (typeof frame.n === "number" && frame.type !== "ack") {
          const ack = { type: "ack" as const, token: this.token, n: frame.n, sack: [] };
          await this.#sendRaw(encodeFrame(ack)); // cumulative enough for a short test
        }
      }
    } catch {
      // closed
    }
  }
}
