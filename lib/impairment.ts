/**
 * Breaking the network on purpose (`--drop`, `--dup`, `--delay`): each
 * datagram a program sends or receives may be lost, doubled or held back, so
 * that a class can watch retransmission and reordering recover without root
 * and without touching the real network. Pure: it decides each datagram's
 * fate from a random source; the socket adapter (`io/udp.ts`) carries it out.
 *
 * @module
 */

import { UsageError } from "./cli.ts";

/** What `--drop`, `--dup` and `--delay` ask for. */
export interface ImpairmentSettings {
  /** Share of datagrams lost, in percent. */
  drop: number;
  /** Share of datagrams delivered twice, in percent. */
  dup: number;
  /** Delay of every datagram, in ms. */
  delay: number;
  /** Up to this much more or less delay, at random, in ms: enough of it reorders datagrams. */
  jitter: number;
}

/** The flags for watching the protocol work, for `parseArgs` in both programs. */
export const WATCH_FLAGS = {
  trace: { type: "boolean", default: false },
  drop: { type: "string" },
  dup: { type: "string" },
  delay: { type: "string" },
} as const;

/** `--help` lines for {@linkcode WATCH_FLAGS}, shared by both programs. */
export const WATCH_HELP =
  `  --trace        print one line per datagram sent or received, and what it was
  --drop PERCENT lose this share of the datagrams sent and received, on purpose (0-100)
  --dup PERCENT  deliver this share of them twice
  --delay MS[±J] delay each by MS ms, plus or minus up to J ms at random (reorders them);
                 "+-" may stand for "±", e.g. --delay 100+-50`;

/**
 * Reads `--drop`, `--dup` and `--delay`.
 *
 * @param values The flags' values as typed, each possibly absent.
 * @returns The settings, or `undefined` when none asks for anything.
 * @throws {UsageError} On a value out of range or not a number.
 *
 * @example Usage
 * ```ts
 * import { parseImpairment } from "./impairment.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * deepEqual(parseImpairment({ drop: "30", delay: "100±20" }), { drop: 30, dup: 0, delay: 100, jitter: 20 });
 * deepEqual(parseImpairment({}), undefined);
 * ```
 */
export function parseImpairment(
  values: { drop?: string; dup?: string; delay?: string },
): ImpairmentSettings | undefined {
  if (values.drop === undefined && values.dup === undefined && values.delay === undefined) {
    return undefined;
  }
  const drop = percent(values.drop, "--drop");
  const dup = percent(values.dup, "--dup");
  let delay = 0;
  let jitter = 0;
  if (values.delay !== undefined) {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(?:(?:±|\+-|\+\/-)\s*(\d+(?:\.\d+)?))?\s*$/.exec(
      values.delay,
    );
    if (match === null) {
      throw new UsageError(
        `--delay must be MS or MS±JITTER in milliseconds, e.g. 100 or 100+-50, not "${values.delay}"`,
      );
    }
    delay = Number(match[1]);
    jitter = Number(match[2] ?? 0);
    if (delay > 10_000 || jitter > 10_000) {
      throw new UsageError(`--delay must be at most 10000 ms (and its jitter too)`);
    }
  }
  return { drop, dup, delay, jitter };
}

function percent(text: string | undefined, flag: string): number {
  if (text === undefined) return 0;
  const value = Number(text.trim().replace(/%$/, ""));
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new UsageError(`${flag} must be a percentage from 0 to 100, not "${text}"`);
  }
  return value;
}

/**
 * Decides the fate of each datagram under the settings.
 *
 * @example Usage
 * ```ts
 * import { Impairment } from "./impairment.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const lossy = new Impairment({ drop: 100, dup: 0, delay: 0, jitter: 0 });
 * deepEqual(lossy.fate(), []);
 * const slow = new Impairment({ drop: 0, dup: 100, delay: 50, jitter: 0 });
 * deepEqual(slow.fate(), [50, 50]);
 * ```
 */
export class Impairment {
  /** The settings, as given. */
  readonly settings: ImpairmentSettings;
  readonly #random: () => number;

  /**
   * Creates the rule.
   *
   * @param settings Loss, duplication and delay.
   * @param random Uniform numbers in [0, 1): `Math.random`, or a fixed sequence in tests.
   */
  constructor(settings: ImpairmentSettings, random: () => number = Math.random) {
    this.settings = settings;
    this.#random = random;
  }

  /**
   * The fate of the next datagram.
   *
   * @returns After how many ms each copy goes through: none (lost), one, or two (doubled).
   */
  fate(): number[] {
    const { drop, dup } = this.settings;
    if (drop > 0 && this.#random() * 100 < drop) return [];
    const copies = dup > 0 && this.#random() * 100 < dup ? 2 : 1;
    return Array.from({ length: copies }, () => this.#delay());
  }

  /** In words, for the start-up line: e.g. `dropping 30%, delaying 100±50 ms`. */
  describe(): string {
    const { drop, dup, delay, jitter } = this.settings;
    const parts = [];
    if (drop > 0) parts.push(`dropping ${drop}%`);
    if (dup > 0) parts.push(`duplicating ${dup}%`);
    if (delay > 0 || jitter > 0) parts.push(`delaying ${delay}${jitter ? `±${jitter}` : ""} ms`);
    return parts.length > 0 ? parts.join(", ") : "nothing";
  }

  /** The line each program prints when it starts with an impairment. */
  notice(): string {
    return `simulating a bad network: ${this.describe()} of the datagrams sent and received`;
  }

  #delay(): number {
    const { delay, jitter } = this.settings;
    if (jitter === 0) return delay;
    return Math.max(0, Math.round(delay + (this.#random() * 2 - 1) * jitter));
  }
}
