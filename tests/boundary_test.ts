/**
 * The I/O boundary, checked rather than promised: protocol logic in `lib/`
 * touches no socket, file, terminal or wall clock. Only `lib/io/` and the two
 * entry scripts may use `Deno.*` or `Date.now()`, and nothing else in `lib/`
 * may import from `lib/io/`. And `lib/` has no import cycles.
 */

import { deepEqual } from "node:assert/strict";

const LIB = new URL("../lib/", import.meta.url);

/** Every `.ts` file below `lib/`, as paths relative to it. */
function libFiles(dir = LIB, prefix = ""): string[] {
  const files: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) {
      files.push(...libFiles(new URL(`${entry.name}/`, dir), `${prefix}${entry.name}/`));
    } else if (entry.name.endsWith(".ts")) {
      files.push(prefix + entry.name);
    }
  }
  return files.sort();
}

/** The code with comments and the contents of string literals blanked out. */
function codeOnly(source: string): string {
  let out = "";
  for (let i = 0; i < source.length;) {
    const two = source.slice(i, i + 2);
    if (two === "//") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (two === "/*") {
      const end = source.indexOf("*/", i + 2);
      i = end === -1 ? source.length : end + 2;
    } else if (source[i] === '"' || source[i] === "'" || source[i] === "`") {
      const quote = source[i++];
      while (i < source.length && source[i] !== quote) i += source[i] === "\\" ? 2 : 1;
      i++;
      out += `${quote}${quote}`;
    } else {
      out += source[i++];
    }
  }
  return out;
}

/** The `lib/` files a file imports (relative specifiers only), resolved to paths in `lib/`. */
function imports(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(/^\s*(?:import|export)[^;]*?from\s+"(\.[^"]+)"/gms)];
  return specifiers.map(([, specifier]) => {
    const url = new URL(specifier, new URL(file, LIB));
    return url.href.startsWith(LIB.href) ? url.href.slice(LIB.href.length) : `../${specifier}`;
  });
}

const files = libFiles();
const sources = new Map(files.map((file) => [file, Deno.readTextFileSync(new URL(file, LIB))]));

Deno.test("lib/ outside lib/io/ uses no Deno API and no wall clock", () => {
  const offences: string[] = [];
  for (const [file, source] of sources) {
    if (file.startsWith("io/")) continue;
    const code = codeOnly(source);
    for (const [pattern, what] of [[/\bDeno\./, "Deno.*"], [/\bDate\.now\(/, "Date.now()"]]) {
      if ((pattern as RegExp).test(code)) offences.push(`lib/${file} uses ${what}`);
    }
  }
  deepEqual(offences, []);
});

Deno.test("lib/ outside lib/io/ imports nothing from lib/io/", () => {
  const offences = files.filter((file) => !file.startsWith("io/")).flatMap((file) =>
    imports(file, sources.get(file)!).filter((target) => target.startsWith("io/")).map(
      (target) => `lib/${file} imports lib/${target}`,
    )
  );
  deepEqual(offences, []);
});

Deno.test("lib/ has no import cycles", () => {
  const graph = new Map(files.map((file) => [file, imports(file, sources.get(file)!)]));
  const cycles: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "visiting");
    for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, "done");
  };
  for (const file of files) visit(file, []);
  deepEqual(cycles, []);
});

Deno.test("the boundary check itself notices an offence", () => {
  // A guard that cannot fail guards nothing: the same scanner on a bad file.
  const bad = 'import { x } from "./io/udp.ts";\nconst t = Date.now(); // Deno.exit()\n';
  deepEqual(imports("room.ts", bad), ["io/udp.ts"]);
  deepEqual(/\bDate\.now\(/.test(codeOnly(bad)), true);
  deepEqual(/\bDeno\./.test(codeOnly(bad)), false, "comments do not count");
  deepEqual(/\bDeno\./.test(codeOnly('const s = "Deno.exit";')), false, "strings do not count");
});

Deno.test("the README's design section names every module in lib/", () => {
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  const design = readme.slice(readme.indexOf("## Design"), readme.indexOf("## Performance"));
  deepEqual(files.filter((file) => !design.includes(`lib/${file}`)), []);
});
