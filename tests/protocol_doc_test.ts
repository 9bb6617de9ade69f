/**
 * docs/PROTOCOL.md is the contract; lib/schema.ts is what the code enforces.
 * Each table in the doc marked `<!-- schema: GROUP -->` (frame types and
 * their fields) or `<!-- schema: GROUP fields -->` (field types) must say
 * exactly what the schema says.
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { type FieldSpec, SCHEMA } from "../lib/schema.ts";

const doc = Deno.readTextFileSync(new URL("../docs/PROTOCOL.md", import.meta.url));
type Group = keyof typeof SCHEMA;

/** The body rows of every table that follows `<!-- schema: name -->`, as cells. */
function tables(name: string): string[][] {
  const rows: string[][] = [];
  for (const match of doc.matchAll(/<!-- schema: ([a-z ]+) -->\n\n((?:\|.*\n)+)/g)) {
    if (match[1] !== name) continue;
    const lines = match[2].trim().split("\n").slice(2); // without header and rule
    rows.push(...lines.map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim())));
  }
  return rows;
}

/** `name`, or `name?` when the field may be absent, for each field in a cell. */
function fieldsIn(cell: string): string[] {
  return [...cell.matchAll(/`([a-z]+)`(\?)?/g)].map(([, name, optional]) =>
    name + (optional ?? "")
  );
}

/** The words PROTOCOL.md uses for each field kind. */
function kindWords(spec: FieldSpec): string {
  if (typeof spec !== "string") return `one of ${spec.map((value) => `\`${value}\``).join(", ")}`;
  return {
    string: "string",
    count: "whole number",
    number: "number",
    boolean: "boolean",
    strings: "list of strings",
    counts: "list of whole numbers",
    frames: "list of frames",
  }[spec.replace("?", "")]!;
}

for (const group of Object.keys(SCHEMA) as Group[]) {
  const table = SCHEMA[group] as Record<string, Record<string, FieldSpec>>;

  Deno.test(`docs/PROTOCOL.md lists exactly the ${group} frames and their fields`, () => {
    const documented = Object.fromEntries(
      tables(group).map(([type, fields]) => [fieldsIn(type)[0], fieldsIn(fields).sort()]),
    );
    const schema = Object.fromEntries(
      Object.entries(table).map(([type, shape]) => [
        type,
        Object.entries(shape).map(([name, spec]) =>
          name + (typeof spec === "string" && spec.endsWith("?") ? "?" : "")
        ).sort(),
      ]),
    );
    deepEqual(documented, schema);
  });

  Deno.test(`docs/PROTOCOL.md gives each ${group} field its type`, () => {
    const kinds = new Map<string, string>();
    for (const [type, shape] of Object.entries(table)) {
      for (const [name, spec] of Object.entries(shape)) {
        const words = kindWords(spec);
        // One name, one type within a group: otherwise the doc's table could not say it.
        ok(!kinds.has(name) || kinds.get(name) === words, `${group}.${type}.${name}`);
        kinds.set(name, words);
      }
    }
    const documented = new Map(
      tables(`${group} fields`).map(([name, type]) => [
        fieldsIn(name)[0],
        type,
      ]),
    );
    deepEqual(Object.fromEntries(documented), Object.fromEntries(kinds));
  });
}

Deno.test("the doc check reads the tables it claims to", () => {
  // A check that found no tables would pass vacuously.
  equal(tables("client").length, Object.keys(SCHEMA.client).length);
  equal(tables("stream fields").length > 5, true);
});
