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
 * The server's heap settings: a small young generation (2 MB a half),
 * collected often, so floods of short-lived garbage (tens of thousands of
 * forged datagrams a second) do not inflate its memory — tested: 200,000
 * spoofed datagrams leave it 8–14 MB larger once it has run its code — and an old
 * generation that grows by 15% at a time, not V8's usual factor, so a
 * 1,000-member join storm peaks as low as it did under
 * `--optimize-for-size`. That flag also made V8 collect and recompile far
 * more under steady load: the acknowledged fan-out took 6.8–7.4 µs of CPU a
 * frame with it, 4.6–4.9 without (docs/PERFORMANCE.md). And V8's memory
 * reducer, which collects a burst's garbage once allocation quiets down, may
 * act 5 s after start instead of 30: a class usually arrives in the server's
 * first minute.
 */
export const SERVER_V8_FLAGS =
  "--v8-flags=--max-semi-space-size=2,--heap-growing-percent=15,--gc-memory-reducer-start-delay-ms=5000";

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
