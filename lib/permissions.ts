/**
 * The permissions each program needs, and nothing more. `deno task server`
 * and `deno task client` (deno.json) grant the same; the compile tool bakes
 * them into the single-file downloads; the tests run the programs with them.
 *
 * @module
 */

/** Flags granting what each entry script needs. */
export const PERMISSIONS: Readonly<Record<"server.ts" | "client.ts", readonly string[]>> = {
  // UDP, LAN addresses for the start-up hints, the --log transcript file, and the room password.
  "server.ts": [
    "--allow-net",
    "--allow-sys=networkInterfaces",
    "--allow-read",
    "--allow-write",
    "--allow-env=UDPCHAT_PASSWORD",
  ],
  // UDP, interface addresses for discovery, the user name as the default nickname, the password.
  "client.ts": [
    "--allow-net",
    "--allow-sys=networkInterfaces",
    "--allow-env=USER,USERNAME,LOGNAME,UDPCHAT_PASSWORD",
  ],
};
