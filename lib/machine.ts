/**
 * The contract every udpchat state machine keeps (the server's `Room`, the
 * client's `Session`, discovery's `Beacon` and `ServerFinder`), as in
 * quinn-proto: it is fully deterministic and does no I/O; time is always an
 * argument.
 *
 * 1. Feed it what happens: {@linkcode Machine.receive} for each datagram,
 *    {@linkcode Machine.tick} when its deadline comes, and the machine's own
 *    methods for what the user does.
 * 2. After each (or after a burst of datagrams read back to back), take
 *    what it wants sent and reported with {@linkcode Machine.poll}: send the
 *    datagrams in order, handle the events.
 * 3. Ask {@linkcode Machine.deadline} when to call `tick` next.
 *
 * `io/udp.ts` does this on a real socket; `tests/sim.ts` on a simulated network.
 *
 * @module
 */

import type { Address, Transmit } from "./address.ts";
import type { DatagramArena } from "./datagram_arena.ts";

/** A sans-I/O state machine, reporting events of type `E`. */
export interface Machine<E> {
  /**
   * Handles a datagram; must not retain `data`, whose buffer is reused.
   *
   * @param data The datagram.
   * @param from Its source.
   * @param now The current time in ms.
   * @param inputQueued More datagrams wait unread behind this one, as in
   *   {@linkcode Machine.tick}. The loop then reads them before it polls, so
   *   that the answers of a burst leave together.
   */
  receive(data: Uint8Array, from: Address, now: number, inputQueued?: boolean): void;
  /**
   * Handles the passing of time.
   *
   * @param now The current time in ms.
   * @param inputQueued Datagrams have arrived that `receive` has not had yet.
   *   A machine may then hold back retransmissions for a moment, as the
   *   acknowledgements they wait for may be among them.
   */
  tick(now: number, inputQueued?: boolean): void;
  /** When `tick` should next run, if ever. */
  deadline(): number | undefined;
  /** Takes what to send and what happened since the last call. */
  poll(): { transmits: readonly Transmit[]; events: readonly E[] };
  /**
   * Sources the machine drops unread for now (a flood), when that list has
   * changed since the last call: the socket loop may have the kernel drop
   * their datagrams before they are read. Only a hint; the machine drops
   * them anyway.
   */
  shed?(): Address[] | undefined;
  /**
   * Memory the machine writes some of its datagrams in, if it has any. A
   * loop that has copied every datagram of a poll before it polls again (the
   * fast path, which lays them out for `sendmmsg`) resets it, and the next
   * turn reuses the memory instead of allocating. A loop that keeps
   * datagrams longer (an asynchronous send, a delay on purpose) must not.
   */
  readonly arena?: DatagramArena;
}

/**
 * What a machine has to send and report until its next {@linkcode Machine.poll}.
 *
 * @example Usage
 * ```ts
 * import { Output } from "./machine.ts";
 * import { equal } from "node:assert/strict";
 *
 * const output = new Output<string>();
 * output.send({ hostname: "10.0.0.2", port: 5000 }, new Uint8Array([1]));
 * output.report("sent one");
 * const { transmits, events } = output.take();
 * equal(transmits.length, 1);
 * equal(events[0], "sent one");
 * equal(output.take().transmits.length, 0);
 * ```
 */
export class Output<E> {
  #transmits: Transmit[] = [];
  #events: E[] = [];

  /**
   * Queues a datagram.
   *
   * @param to Where to.
   * @param data The bytes.
   */
  send(to: Address, data: Uint8Array): void {
    this.#transmits.push({ to, data });
  }

  /**
   * Queues an event.
   *
   * @param event What happened.
   */
  report(event: E): void {
    this.#events.push(event);
  }

  /**
   * Takes everything queued.
   *
   * @returns The datagrams, in order, and the events, in order.
   */
  take(): { transmits: readonly Transmit[]; events: readonly E[] } {
    // Most datagrams (acknowledgements, a flood's) leave nothing to send or log: nothing is made.
    if (this.#transmits.length === 0 && this.#events.length === 0) return NOTHING_QUEUED;
    const out = { transmits: this.#transmits, events: this.#events };
    this.#transmits = [];
    this.#events = [];
    return out;
  }
}

/** What {@linkcode Output.take} returns when nothing is queued, shared. */
const NOTHING_QUEUED: { transmits: readonly Transmit[]; events: readonly never[] } = Object.freeze({
  transmits: Object.freeze([]),
  events: Object.freeze([]),
});
