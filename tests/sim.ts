/**
 * A simulated network for the sans-I/O room and sessions: a virtual clock that
 * jumps to the next event, and seeded loss, duplication, reordering and delay.
 * Nothing here sleeps or touches a socket.
 *
 * @module
 */

import type { Address } from "../lib/address.ts";
import type { RoomEvent } from "../lib/frame.ts";
import type { Journal } from "../lib/room_journal.ts";
import { firstSeq } from "../lib/notices.ts";
import { Room, type RoomOptions } from "../lib/room.ts";
import { Session, type SessionEvent, type SessionOptions } from "../lib/session.ts";

/** Network behaviour of a {@linkcode SimNet}. */
export interface SimOptions {
  /** Seed of the random generator. @default {1} */
  seed?: number;
  /** Fraction of datagrams dropped, each direction. @default {0} */
  loss?: number;
  /** Fraction of datagrams delivered twice. @default {0} */
  duplicate?: number;
  /** One-way delay: base and random extra (which reorders), in ms. @default {[1, 0]} */
  delay?: [number, number];
  /** Room settings. */
  room?: RoomOptions;
}

/** A simulated client. */
export interface SimClient {
  address: Address;
  session: Session;
  events: SessionEvent[];
}

interface Packet {
  at: number;
  order: number;
  to: "server" | SimClient;
  from: Address;
  data: Uint8Array;
}

/** Mulberry32: small, fast, seedable. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A room and its clients on a simulated network. */
export class SimNet {
  now = 0;
  readonly room: Room;
  readonly clients: SimClient[] = [];
  readonly server: Address = { hostname: "10.0.0.1", port: 9999 };
  /** Datagrams put on the wire, by direction. */
  sent = { up: 0, down: 0 };
  #packets: Packet[] = [];
  #order = 0;
  #random: () => number;
  #loss: number;
  #duplicate: number;
  #delay: [number, number];
  /** Seeded "secure" random bytes, so runs repeat exactly. */
  readonly randomBytes: (count: number) => Uint8Array;
  /** While false, the server is down: datagrams to it vanish. */
  serverUp = true;

  constructor(options: SimOptions = {}) {
    const { seed = 1, loss = 0, duplicate = 0, delay = [1, 0], room = {} } = options;
    this.#random = seeded(seed);
    this.randomBytes = (count) => Uint8Array.from({ length: count }, () => this.#random() * 256);
    this.#loss = loss;
    this.#duplicate = duplicate;
    this.#delay = delay;
    this.room = new Room({ randomBytes: this.randomBytes, ...room });
  }

  /** Adds a client and starts its join. */
  join(nick: string, options: Partial<SessionOptions> = {}): SimClient {
    const client: SimClient = {
      address: { hostname: "10.0.0.2", port: 40000 + this.clients.length },
      session: new Session(
        { server: this.server, nick, randomBytes: this.randomBytes, ...options },
        this.now,
      ),
      events: [],
    };
    this.clients.push(client);
    this.#pollClient(client);
    return client;
  }

  /** Sends raw bytes to the server as if from `from`. */
  inject(data: Uint8Array, from: Address): void {
    this.#enqueue("server", from, data);
  }

  /** Runs a client action at the current time and collects its output. */
  act(client: SimClient, action: (session: Session, now: number) => void): void {
    action(client.session, this.now);
    this.#pollClient(client);
  }

  /** Replaces the room, as after a server restart. */
  restartRoom(room: Room): void {
    (this as { room: Room }).room = room;
  }

  /** Datagrams the room sent to an address that is not a simulated client (e.g. a legacy peer). */
  readonly outside: Array<{ to: Address; data: Uint8Array }> = [];

  /**
   * Advances the clock event by event until `done()` holds or `limit` ms pass.
   *
   * @returns Whether `done()` became true.
   */
  run(done: () => boolean, limit = 60_000): boolean {
    const end = this.now + limit;
    while (!done()) {
      const next = this.#nextTime();
      if (next === undefined || next > end) {
        this.now = end;
        return done();
      }
      this.now = Math.max(this.now, next);
      this.#step();
    }
    return true;
  }

  #nextTime(): number | undefined {
    const times: number[] = [];
    if (this.#packets.length > 0) times.push(this.#packets[0].at);
    const roomDeadline = this.serverUp ? this.room.deadline() : undefined;
    if (roomDeadline !== undefined) times.push(roomDeadline);
    for (const client of this.clients) {
      const deadline = client.session.deadline();
      if (deadline !== undefined) times.push(deadline);
    }
    return times.length === 0 ? undefined : Math.min(...times);
  }

  #step(): void {
    while (this.#packets.length > 0 && this.#packets[0].at <= this.now) {
      const packet = this.#packets.shift()!;
      if (packet.to === "server") {
        if (!this.serverUp) continue;
        this.room.receive(packet.data, packet.from, this.now);
        this.#pollRoom();
      } else {
        packet.to.session.receive(packet.data, packet.from, this.now);
        this.#pollClient(packet.to);
      }
    }
    if (this.serverUp && (this.room.deadline() ?? Infinity) <= this.now) {
      this.room.tick(this.now);
      this.#pollRoom();
    }
    for (const client of this.clients) {
      if ((client.session.deadline() ?? Infinity) <= this.now) {
        client.session.tick(this.now);
        this.#pollClient(client);
      }
    }
  }

  #pollRoom(): void {
    for (const { to, data } of this.room.poll().transmits) {
      const client = this.clients.find((c) =>
        c.address.port === to.port && c.address.hostname === to.hostname
      );
      if (client) this.#enqueue(client, this.server, data);
      else this.outside.push({ to, data });
    }
  }

  #pollClient(client: SimClient): void {
    const { transmits, events } = client.session.poll();
    client.events.push(...events);
    for (const { data } of transmits) this.#enqueue("server", client.address, data);
  }

  #enqueue(to: Packet["to"], from: Address, data: Uint8Array): void {
    if (to === "server") this.sent.up++;
    else this.sent.down++;
    const copies = this.#random() < this.#duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (this.#random() < this.#loss) continue;
      const at = this.now + this.#delay[0] + this.#random() * this.#delay[1];
      const packet = { at, order: this.#order++, to, from, data: data.slice() };
      const index = this.#packets.findIndex((p) => p.at > at);
      if (index === -1) this.#packets.push(packet);
      else this.#packets.splice(index, 0, packet);
    }
  }
}

/** The transcript a client has shown: room events as comparable strings. */
export function transcript(client: SimClient): string[] {
  const lines: string[] = [];
  for (const event of client.events) {
    if (event.type === "joins" || event.type === "leaves") {
      // A group stands for a run of single events: listed as those, however it was grouped.
      const single = event.type === "joins" ? "join" : "leave";
      const first = firstSeq(event);
      event.nicks.forEach((nick, i) => lines.push(`${first + i} ${single} ${nick} `));
    } else if ("seq" in event) {
      const text = "text" in event ? event.text : "";
      const who = "from" in event ? event.from : event.nick;
      lines.push(`${event.seq} ${event.type} ${who} ${text}`);
    }
  }
  return lines;
}

/** A transcript on a disk that fills when told to: what it holds, as `"seq type"` lines. */
export function fullableDisk(): Journal & { full: boolean; lines: string[] } {
  const disk = {
    full: false,
    lines: [] as string[],
    append(event: RoomEvent) {
      if (disk.full) throw new Error("No space left on device (os error 28)");
      disk.lines.push(`${event.seq} ${event.type}`);
    },
  };
  return disk;
}
