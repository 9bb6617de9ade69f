/**
 * A real browser for the projector page's test: Debian's headless Chromium,
 * driven over the Chrome DevTools Protocol on a WebSocket (no Playwright, no
 * download). It opens a page, evaluates expressions in it, and takes
 * screenshots.
 *
 * @module
 */

/** Where Debian installs Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed (else the browser tests say why they skip). */
export function haveChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/** One headless Chromium with one page. */
export class Browser {
  readonly #child: Deno.ChildProcess;
  readonly #profile: string;
  readonly #socket: WebSocket;
  #id = 0;
  readonly #waiting = new Map<number, (reply: Record<string, unknown>) => void>();

  private constructor(child: Deno.ChildProcess, profile: string, socket: WebSocket) {
    this.#child = child;
    this.#profile = profile;
    this.#socket = socket;
    socket.onmessage = (message) => {
      const reply = JSON.parse(message.data);
      this.#waiting.get(reply.id)?.(reply);
      this.#waiting.delete(reply.id);
    };
  }

  /**
   * Starts Chromium headless, with a fresh profile and no network of its own, on one page.
   *
   * @param width Viewport width in CSS pixels.
   * @param height Viewport height.
   */
  static async open(width = 1400, height = 800): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "udpchat-chromium-" });
    const child = new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox", // run as root in CI
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        // Without these Chromium tries Google's hosts, refused on a closed network.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`,
        "--remote-debugging-port=0",
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    // With port 0 Chromium picks one and writes it to DevToolsActivePort in the profile.
    const deadline = Date.now() + 20_000;
    let port: string | undefined;
    while (port === undefined) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        await child.status;
        throw new Error("Chromium did not open its DevTools port within 20 s");
      }
      try {
        port = (await Deno.readTextFile(`${profile}/DevToolsActivePort`)).split("\n")[0];
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as Array<
      { type: string; webSocketDebuggerUrl: string }
    >;
    const page = targets.find((target) => target.type === "page")!;
    const socket = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    const browser = new Browser(child, profile, socket);
    await browser.#call("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return browser;
  }

  /** Opens a page. */
  async goto(url: string): Promise<void> {
    await this.#call("Page.enable");
    await this.#call("Page.navigate", { url });
  }

  /**
   * Evaluates an expression in the page.
   *
   * @returns Its value (JSON-serialisable values only).
   */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = await this.#call("Runtime.evaluate", { expression, returnByValue: true });
    const result = reply.result as { result?: { value?: T }; exceptionDetails?: unknown };
    if (result.exceptionDetails) throw new Error(`${expression}: ${JSON.stringify(result)}`);
    return result.result?.value as T;
  }

  /** Evaluates `expression` until it is true, failing after `ms`. */
  async waitFor(expression: string, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await this.evaluate<boolean>(expression).catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`Timed out waiting in the page for ${expression}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** A PNG of the page as shown. */
  async screenshot(): Promise<Uint8Array> {
    const reply = await this.#call("Page.captureScreenshot", { format: "png" });
    const data = (reply.result as { data: string }).data;
    return Uint8Array.from(atob(data), (char) => char.charCodeAt(0));
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    this.#socket.close();
    this.#child.kill("SIGKILL");
    await this.#child.status;
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }

  #call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 20 s`)), 20_000);
      this.#waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.error) reject(new Error(`${method}: ${JSON.stringify(reply.error)}`));
        else resolve(reply);
      });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }
}
