/**
 * `server.ts --http PORT`: the classroom's web side, on TCP with
 * `Deno.serve`. It serves, read-only and nothing else:
 *
 * - `/` — the students' page: the one command that runs the client from
 *   this server, and the compiled programs in `dist/` with their SHA-256;
 * - `/client.ts` and `/lib/…` — the client's source, for `deno run http://…`;
 * - `/dist/…` — the compiled programs;
 * - `/projector` — the live page for the classroom screen, and `/events`,
 *   its Server-Sent Events.
 *
 * What may be served is listed once at start (the sources are read into
 * memory then); any other path is a 404, so nothing outside is reachable,
 * whatever the path says.
 *
 * @module
 */

import { type Download, projectorPage, studentPage } from "../classroom_pages.ts";
import { PERMISSIONS } from "../permissions.ts";
import type { Projector } from "../projector.ts";

/** How often the projector page is sent the room, in ms. */
const UPDATE_EVERY = 500;
/** Most projector pages open at once: each costs a snapshot twice a second. */
const MAX_VIEWERS = 32;

/** Settings of a {@linkcode ClassroomWeb}. */
export interface ClassroomWebOptions {
  /** Address to listen on. */
  hostname: string;
  /** TCP port. */
  port: number;
  /** The room's name. */
  room: string;
  /** The chat's UDP port, for the client command. */
  udpPort: number;
  /** What the projector page shows. */
  projector: Projector;
  /** The project folder holding `client.ts`, `lib/` and `dist/`. @default {the folder of this source} */
  root?: URL;
}

/** The HTTP side of the server. */
export class ClassroomWeb {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  /** The projector pages open, each a stream of Server-Sent Events. */
  readonly #viewers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #ticker: ReturnType<typeof setInterval> | undefined;
  /** The last snapshot sent, as an event: a page that opens gets it at once. */
  #snapshot: Uint8Array | undefined;
  readonly #options: ClassroomWebOptions;
  /** The client's source, by path: read once at start. */
  readonly #sources: Map<string, Uint8Array<ArrayBuffer>>;
  /** The compiled programs in `dist/`, listed (and hashed) on first use. */
  readonly #downloads: () => Promise<Download[]>;
  /** Why the client cannot be served, if it cannot. */
  readonly problem: string | undefined;

  private constructor(
    options: ClassroomWebOptions,
    sources: Map<string, Uint8Array<ArrayBuffer>>,
    downloads: () => Promise<Download[]>,
    problem: string | undefined,
  ) {
    this.#options = options;
    this.#sources = sources;
    this.#downloads = downloads;
    this.problem = problem;
    const { hostname, port } = options;
    this.#server = Deno.serve({ hostname, port, onListen: () => {} }, (r) => this.#answer(r));
  }

  /**
   * Reads what it serves and starts listening.
   *
   * @param options Where to listen and what to show.
   * @returns The running server.
   * @throws {Deno.errors.AddrInUse} And the other errors of `Deno.serve`, when it cannot listen.
   */
  static async start(options: ClassroomWebOptions): Promise<ClassroomWeb> {
    const root = options.root ?? PROJECT;
    const sources = new Map<string, Uint8Array<ArrayBuffer>>();
    let problem: string | undefined;
    try {
      sources.set("/client.ts", await Deno.readFile(new URL("client.ts", root)));
      for await (const path of typeScriptFiles(new URL("lib/", root), "lib/")) {
        sources.set(`/${path}`, await Deno.readFile(new URL(path, root)));
      }
    } catch (error) {
      sources.clear();
      problem = `the client's source cannot be read (${(error as Error).message})`;
    }
    let listed: Promise<Download[]> | undefined;
    const downloads = () => listed ??= listDownloads(new URL("dist/", root));
    return new ClassroomWeb({ ...options, root }, sources, downloads, problem);
  }

  /** The port it listens on. */
  get port(): number {
    return this.#server.addr.port;
  }

  /**
   * The command that runs the client from this server, for a student.
   *
   * @param host How students reach this computer (a LAN address).
   * @param udpPort The chat's UDP port.
   * @returns A shell command line, with NAME for the nickname.
   */
  command(host: string, udpPort: number): string {
    return studentCommand(host, this.port, udpPort);
  }

  /** Stops serving: closes the projector pages' streams, then the server. */
  async close(): Promise<void> {
    for (const viewer of this.#viewers) this.#leave(viewer);
    await this.#server.shutdown();
  }

  async #answer(request: Request): Promise<Response> {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "Only GET is served here", { allow: "GET, HEAD" });
    }
    const path = new URL(request.url).pathname;
    const options = this.#options;
    const source = this.#sources.get(path);
    if (source !== undefined) {
      return new Response(source, {
        headers: { "content-type": "application/typescript; charset=utf-8", ...NO_CACHE },
      });
    }
    switch (path) {
      case "/": {
        // The host the student's browser used reaches this computer: it goes in the command.
        const host = (request.headers.get("host") ?? "THIS-PC").replace(/:\d+$/, "")
          .replace(/^\[(.*)\]$/, "$1");
        const page = studentPage({
          room: options.room,
          command: studentCommand(host, this.port, options.udpPort),
          udp: `${host}:${options.udpPort}`,
          downloads: await this.#downloads(),
        });
        return html(page);
      }
      case "/projector":
        return html(projectorPage(options.projector.snapshot(Date.now())));
      case "/events":
        return this.#events(options.projector);
    }
    if (path.startsWith("/dist/")) {
      const download = (await this.#downloads()).find((d) => `/dist/${d.name}` === path);
      if (download) return await this.#download(download);
    }
    return text(404, `Not found: ${path} (only the client, dist/ and the pages are served)`);
  }

  async #download(download: Download): Promise<Response> {
    const file = await Deno.open(new URL(`dist/${download.name}`, this.#options.root ?? PROJECT));
    return new Response(file.readable, {
      headers: {
        "content-type": "application/octet-stream",
        "content-length": String(download.bytes),
        "content-disposition": `attachment; filename="${download.name.split("/").at(-1)}"`,
      },
    });
  }

  #events(projector: Projector): Response {
    if (this.#viewers.size >= MAX_VIEWERS) {
      return text(503, `At most ${MAX_VIEWERS} projector pages at once`);
    }
    let viewer: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        viewer = controller;
        this.#viewers.add(viewer);
        viewer.enqueue(this.#snapshot ?? update(projector)); // at once: the page shows it
        // One snapshot twice a second, encoded once for every page open.
        this.#ticker ??= setInterval(() => {
          const message = this.#snapshot = update(projector);
          for (const open of this.#viewers) open.enqueue(message);
        }, UPDATE_EVERY);
      },
      cancel: () => this.#leave(viewer),
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", ...NO_CACHE },
    });
  }

  /** A page closed (or the server stops): its stream ends; the ticker with the last one. */
  #leave(viewer: ReadableStreamDefaultController<Uint8Array>): void {
    this.#viewers.delete(viewer);
    try {
      viewer.close();
    } catch {
      // already closed by the page
    }
    if (this.#viewers.size > 0) return;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
    this.#snapshot = undefined;
  }
}

/** The project folder: where `client.ts`, `lib/` and `dist/` are. */
const PROJECT = new URL("../../", import.meta.url);

const NO_CACHE = { "cache-control": "no-store" };

const encoder = new TextEncoder();

/** The room now, as one Server-Sent Event. */
function update(projector: Projector): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(projector.snapshot(Date.now()))}\n\n`);
}

function html(page: string): Response {
  return new Response(page, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      // Only this page's own inline script and style, and its own server's event stream.
      "content-security-policy":
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
      ...NO_CACHE,
    },
  });
}

function text(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(message + "\n", {
    status,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "x-content-type-options": "nosniff", // the path is echoed: never read as a page
      ...headers,
    },
  });
}

/**
 * The command that runs the client straight from a server's `--http` port.
 *
 * @param host The teacher's computer, as students reach it.
 * @param httpPort The `--http` port.
 * @param udpPort The chat's UDP port.
 * @returns E.g. `deno run --unstable-net --allow-net … http://10.0.0.1:8080/client.ts 10.0.0.1 --nick NAME`.
 */
export function studentCommand(host: string, httpPort: number, udpPort: number): string {
  const origin = `${host.includes(":") ? `[${host}]` : host}:${httpPort}`;
  const udp = udpPort === 9999 ? host : `${origin.replace(/:\d+$/, "")}:${udpPort}`;
  // --unstable-net: no deno.json beside the student to enable UDP; --reload: the teacher's current
  // version, not last week's; --allow-import: where the code comes from (Deno 2.9 already allows
  // a program's own host and refuses others; the flag makes that explicit).
  return [
    "deno run --unstable-net",
    ...PERMISSIONS["client.ts"],
    `--allow-import=${origin} --reload`,
    `http://${origin}/client.ts ${udp} --nick NAME`,
  ].join(" ");
}

/** Every `.ts` module under a folder (tests left out), as paths relative to the project. */
async function* typeScriptFiles(folder: URL, prefix: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(folder)) {
    if (entry.isDirectory) {
      yield* typeScriptFiles(new URL(`${entry.name}/`, folder), `${prefix}${entry.name}/`);
    } else if (entry.isFile && entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
      yield `${prefix}${entry.name}`;
    }
  }
}

/** The compiled programs in `dist/` (and one folder down, per platform), with their SHA-256. */
async function listDownloads(dist: URL): Promise<Download[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dist)) {
      if (entry.isFile) names.push(entry.name);
      if (!entry.isDirectory) continue;
      for await (const inner of Deno.readDir(new URL(`${entry.name}/`, dist))) {
        if (inner.isFile) names.push(`${entry.name}/${inner.name}`);
      }
    }
  } catch {
    return []; // no dist/ folder: nothing compiled here
  }
  const downloads: Download[] = [];
  for (const name of names.sort()) {
    const bytes = await Deno.readFile(new URL(name, dist));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    downloads.push({ name, bytes: bytes.length, sha256 });
  }
  return downloads;
}
