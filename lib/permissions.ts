/**
 * The permissions each program needs, and nothing more. `deno task server`
 * and `deno task client` (deno.json) grant the same; the compile tool bakes
 * them into the single-file downloads; the tests run the programs with them.
 *
 * @module
 */

/** Flags granting what each entry script needs. */
export const PERMISSIONS: Readonly<Record<"server.ts" | "client.ts", readonly string[]>> = {
  // UDP, LAN addresses for the start-up hints, and the --log transcript file.
  "server.ts": ["--allow-net", "--allow-sys=networkInterfaces", "--allow-read", "--allow-write"],
  // UDP, interface addresses for discovery, and the user name as the default nickname.
  "client.ts": [
    "--allow-net",
    "--allow-sys=networkInterfaces",
    "--allow-env=USER,USERNAME,LOGNAME",
  ],
};
