/**
 * Standard input, line by line: what the line-mode client and the server's
 * console read.
 *
 * @module
 */

/** Yields stdin line by line, without line endings. */
export async function* stdinLines(): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) yield line.replace(/\r$/, "");
  }
  if (rest !== "") yield rest;
}
