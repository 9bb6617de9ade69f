/**
 * The flags each program runs with: the permissions it needs, and nothing
 * more, and for the server a V8 heap sized for a long-running process. `deno
 * task server` and `deno task client` (deno.json) use the same; the compile
 * tool bakes them into the single-file downloads; the tests run the programs
 * with them.
 *
 * @module
 */

/**
 * The server's heap settings: a small young generation collected often, so
 * floods of short-lived garbage (tens of thousands of forged datagrams a
 * second) do not inflate its memory — tested: 200,000 spoofed datagrams grow
 * it by about 19 MB instead of 97.
 */
export const SERVER_V8_FLAGS = "--v8-flags=--optimize-for-size,--max-semi-space-size=1";

/** Flags granting what each entry script needs. */
export const PERMISSIONS: Readonly<Record<"server.ts" | "client.ts", readonly string[]>> = {
  // UDP, LAN addresses for the start-up hints, the --log transcript file, the room password,
  // and the C library's sendmmsg (io/batch_send.ts): FFI can do anything the user can, see
  // docs/SECURITY.md; --portable-send, or running without it, keeps the portable path.
  "server.ts": [
    "--allow-net",
    "--allow-ffi",
    "--allow-sys=networkInterfaces",
    "--allow-read",
    "--allow-write",
    "--allow-env=UDPCHAT_PASSWORD",
    SERVER_V8_FLAGS,
  ],
  // UDP, interface addresses for discovery, the user name as the default nickname, the password.
  "client.ts": [
    "--allow-net",
    "--allow-sys=networkInterfaces",
    "--allow-env=USER,USERNAME,LOGNAME,UDPCHAT_PASSWORD",
  ],
};
