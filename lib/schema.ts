/**
 * The protocol's shape, written down once. Each table maps a frame `type` to
 * its fields and each field to its kind; the TypeScript frame types are
 * derived from these tables ({@linkcode FramesOf}), one walker
 * ({@linkcode validateFrame}) checks every received frame against them, and a
 * test checks docs/PROTOCOL.md's tables against them. Adding a field or a
 * frame type is a change to one line here.
 *
 * Field kinds: `string`; `count` (a whole number ≥ 0, below 2^53);
 * `number` (any finite number); `boolean`; `strings` and `counts` (lists of
 * at most {@linkcode MAX_LIST} of those); `frames` (a list of JSON objects,
 * each checked by the decoder as the stream frame it stands for); or a list of allowed strings, where
 * an unknown value reads as the first one so later versions can add values.
 * A kind ending in `?` may be absent. Unknown fields are ignored.
 *
 * @module
 */

import { FrameError } from "./frame_error.ts";

/** Most entries in a list field of one frame. */
export const MAX_LIST = 256;

/** The longest message id a client may choose, in characters. */
export const MAX_ID = 64;

/** The kinds a field may be (see the module documentation). */
export type Kind = "string" | "count" | "number" | "boolean" | "strings" | "counts" | "frames";
/** How one field is written: a kind, an optional kind, or the strings it may be. */
export type FieldSpec = Kind | `${Kind}?` | readonly string[];
/** The fields of one frame type. */
export type Shape = Readonly<Record<string, FieldSpec>>;
/** Frame types and their fields. */
export type Table = Readonly<Record<string, Shape>>;

const LEAVE_REASONS = ["quit", "timeout", "closing", "overload"] as const;

/** What the teacher did, in a `teacher` room event (an unknown action reads as `say`). */
const TEACHER_ACTIONS = [
  "say",
  "topic",
  "kick",
  "ban",
  "unban",
  "mute",
  "unmute",
  "slow",
  "restart",
] as const;

/**
 * Frames a client sends to the server; those with `n` travel on the client's
 * stream. Every frame but `join` carries the session's `token`.
 */
export const CLIENT_FRAMES = {
  join: {
    nick: "string",
    session: "string",
    epoch: "string?",
    last: "count?",
    cookie: "string?",
    proof: "string?",
    pad: "string?",
  },
  msg: { token: "string", n: "count", text: "string", id: "string?", more: "boolean?" },
  action: { token: "string", n: "count", text: "string", id: "string?", more: "boolean?" },
  pm: {
    token: "string",
    n: "count",
    to: "string",
    text: "string",
    id: "string?",
    more: "boolean?",
  },
  rename: { token: "string", n: "count", nick: "string" },
  who: { token: "string", n: "count" },
  leave: { token: "string", n: "count" },
  ack: { token: "string", n: "count", sack: "counts?" },
  ping: { token: "string", t: "number" },
  sealed: { token: "string", box: "string" },
  bundle: { token: "string", frames: "frames" },
} as const satisfies Table;

/** The fields of a room event in which a member speaks (`msg`, `action`). */
const SPOKEN = {
  seq: "count",
  from: "string",
  text: "string",
  time: "number",
  id: "string?",
  more: "boolean?",
  history: "boolean?",
} as const;

/**
 * Events the server delivers on a member's stream (each frame also carries
 * `n`). Those with `seq` are room events: the transcript every member shares.
 */
export const STREAM_EVENTS = {
  msg: SPOKEN,
  action: SPOKEN,
  join: { seq: "count", nick: "string", time: "number", back: "boolean?", history: "boolean?" },
  leave: {
    seq: "count",
    nick: "string",
    reason: LEAVE_REASONS,
    time: "number",
    history: "boolean?",
  },
  rename: { seq: "count", from: "string", nick: "string", time: "number", history: "boolean?" },
  joins: { seq: "count", nicks: "strings", time: "number", back: "boolean?", history: "boolean?" },
  leaves: {
    seq: "count",
    nicks: "strings",
    reason: LEAVE_REASONS,
    time: "number",
    history: "boolean?",
  },
  pm: {
    from: "string",
    to: "string",
    text: "string",
    time: "number",
    id: "string?",
    more: "boolean?",
  },
  teacher: {
    seq: "count",
    time: "number",
    action: TEACHER_ACTIONS,
    nick: "string?",
    text: "string?",
    minutes: "number?",
    rate: "number?",
    history: "boolean?",
  },
  members: { members: "strings", more: "boolean?", roster: "boolean?" },
  error: { code: "string", message: "string", id: "string?" },
} as const satisfies Table;

/**
 * Frames the server sends outside a member's stream. Those before `welcome`
 * echo the client's `session`; every frame from `welcome` on carries the
 * session's `token`. An `error` to an address that is not a member carries
 * neither.
 */
export const SERVER_FRAMES = {
  retry: { session: "string", cookie: "string", salt: "string?" },
  welcome: {
    session: "string",
    token: "string",
    proof: "string?",
    nick: "string",
    room: "string",
    epoch: "string",
    seq: "count",
    members: "count",
    heartbeat: "count",
    timeout: "count",
    rate: "number",
    burst: "count",
    topic: "string?",
  },
  refused: { session: "string", code: "string", reason: "string" },
  ack: { token: "string", n: "count", sack: "counts?" },
  pong: { token: "string", t: "number", heartbeat: "count?", next: "count?" },
  error: { token: "string?", code: "string", message: "string" },
  closing: { token: "string" },
  removed: { token: "string", action: "string", text: "string?", minutes: "number?" },
  sealed: { token: "string", box: "string" },
  bundle: { token: "string", frames: "frames" },
} as const satisfies Table;

/** Frames on the discovery port: a client's probe and a server's reply. */
export const DISCOVERY_FRAMES = {
  discover: { nonce: "string", pad: "string?" },
  server: { nonce: "string", name: "string", port: "count", members: "count" },
} as const satisfies Table;

/** Every table, by the name docs/PROTOCOL.md uses for it. */
export const SCHEMA = {
  client: CLIENT_FRAMES,
  stream: STREAM_EVENTS,
  server: SERVER_FRAMES,
  discovery: DISCOVERY_FRAMES,
} as const;

/** The TypeScript type of each field kind. */
export interface KindTypes {
  /** Text. */
  string: string;
  /** A whole number ≥ 0. */
  count: number;
  /** Any finite number. */
  number: number;
  /** `true` or `false`. */
  boolean: boolean;
  /** A list of texts. */
  strings: string[];
  /** A list of whole numbers. */
  counts: number[];
  /** A list of JSON objects: the stream frames of a bundle, checked one by one when unpacked. */
  frames: Json[];
}

/** The TypeScript type of a field written as `S`. */
export type FieldType<S> = S extends readonly (infer Value)[] ? Value
  : S extends `${infer K extends Kind}?` ? KindTypes[K]
  : S extends Kind ? KindTypes[S]
  : never;
/** The fields of a shape that must be present. */
export type RequiredKeys<S> = { [F in keyof S]: S[F] extends `${string}?` ? never : F }[keyof S];
/** The fields of a shape that may be absent. */
export type OptionalKeys<S> = { [F in keyof S]: S[F] extends `${string}?` ? F : never }[keyof S];
/** An intersection of object types written out as one, so editors show frames readably. */
export type Flatten<T> = { [K in keyof T]: T[K] } & unknown;

/** The frame type a table describes for one `type`. */
export type FrameOf<T, Type extends keyof T> = Flatten<
  & { type: Type }
  & { [F in RequiredKeys<T[Type]>]: FieldType<T[Type][F]> }
  & { [F in OptionalKeys<T[Type]>]?: FieldType<T[Type][F]> }
>;

/** The union of every frame a table describes. */
export type FramesOf<T> = { [Type in keyof T]: FrameOf<T, Type> }[keyof T];

/** A JSON object as `JSON.parse` returns it, before validation. */
export type Json = Record<string, unknown>;

/**
 * Checks one field against its spec and returns its value.
 *
 * @param object The received JSON object.
 * @param name The field.
 * @param spec What it must be.
 * @returns The value (`undefined` for an absent optional field).
 * @throws {FrameError} With code `bad-frame`, naming the field.
 *
 * @example Usage
 * ```ts
 * import { readField } from "./schema.ts";
 * import { equal, throws } from "node:assert/strict";
 *
 * equal(readField({ n: 3 }, "n", "count"), 3);
 * throws(() => readField({ n: -1 }, "n", "count"));
 * ```
 */
export function readField(object: Json, name: string, spec: FieldSpec): unknown {
  const value = object[name];
  if (typeof spec !== "string") {
    if (typeof value !== "string") throw bad(name, "a string");
    return spec.includes(value) ? value : spec[0];
  }
  const optional = spec.endsWith("?");
  if (value === undefined && optional) return undefined;
  const kind = (optional ? spec.slice(0, -1) : spec) as Kind;
  switch (kind) {
    case "string":
      if (typeof value !== "string") throw bad(name, "a string");
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw bad(name, "a boolean");
      return value;
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) throw bad(name, "a number");
      return value;
    case "count":
      if (!isCount(value)) throw bad(name, "a whole number");
      return value;
    case "strings":
    case "counts": {
      const item = kind === "strings" ? (v: unknown) => typeof v === "string" : isCount;
      if (!Array.isArray(value) || value.length > MAX_LIST || !value.every(item)) {
        throw bad(name, `a list of ${kind === "strings" ? "strings" : "whole numbers"}`);
      }
      return value;
    }
    case "frames":
      if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST) {
        throw bad(name, "a list of frames");
      }
      if (!value.every((v) => typeof v === "object" && v !== null && !Array.isArray(v))) {
        throw bad(name, "a list of frames");
      }
      return value;
  }
}

/**
 * Checks a received JSON object against a table and copies out its known
 * fields: the one place the protocol's shape is enforced.
 *
 * @param table Which frames may arrive here.
 * @param object The JSON object received.
 * @returns The typed frame, with only the fields the table names.
 * @throws {FrameError} `unknown-type` for a type the table lacks, `bad-frame`
 *   for a field missing or of the wrong kind.
 *
 * @example Usage
 * ```ts
 * import { CLIENT_FRAMES, validateFrame } from "./schema.ts";
 * import { deepEqual } from "node:assert/strict";
 *
 * const frame = validateFrame(CLIENT_FRAMES, { type: "who", token: "t", n: 2, extra: true });
 * deepEqual(frame, { type: "who", token: "t", n: 2 });
 * ```
 */
export function validateFrame<T extends Table>(table: T, object: Json): FramesOf<T> {
  const type = readField(object, "type", "string") as string;
  if (!Object.hasOwn(table, type)) {
    throw new FrameError("unknown-type", `Frame type '${type}' is not part of the protocol`);
  }
  const frame: Json = { type };
  for (const [name, spec] of fieldsOf(table[type])) {
    const value = readField(object, name, spec);
    if (value !== undefined) frame[name] = value;
  }
  return frame as FramesOf<T>;
}

/** Each shape's fields as a list, made once: listing them for every frame received was garbage. */
const fieldLists = new WeakMap<Shape, Array<[string, FieldSpec]>>();

function fieldsOf(shape: Shape): Array<[string, FieldSpec]> {
  let fields = fieldLists.get(shape);
  if (fields === undefined) fieldLists.set(shape, fields = Object.entries(shape));
  return fields;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function bad(name: string, what: string): FrameError {
  return new FrameError("bad-frame", `Frame field '${name}' must be ${what}`);
}
