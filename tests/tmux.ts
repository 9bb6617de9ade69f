/**
 * Drives a program in a real terminal, as a person would: tmux runs it at a
 * fixed size, `send-keys` types, `capture-pane` reads the screen.
 *
 * @module
 */

async function tmux(...args: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command("tmux", {
    args,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const text = new TextDecoder().decode(stdout);
  if (!success) {
    throw new Error(`tmux ${args.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
  }
  return text;
}

/** Whether tmux can be used here. */
export async function hasTmux(): Promise<boolean> {
  try {
    await tmux("-V");
    return true;
  } catch {
    return false;
  }
}

/** A terminal running a shell, in its own tmux server. */
export class Terminal {
  readonly name = `udpchat-test-${Deno.pid}-${Math.floor(Math.random() * 1e6)}`;

  /** Starts `bash` in a terminal of the given size. */
  static async open(columns = 80, rows = 24): Promise<Terminal> {
    const terminal = new Terminal();
    await tmux(
      "new-session",
      "-d",
      "-s",
      terminal.name,
      "-x",
      String(columns),
      "-y",
      String(rows),
      "bash --norc",
    );
    await terminal.keys("export PS1='$ ' NO_COLOR=1", "Enter");
    return terminal;
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await tmux("send-keys", "-t", this.name, "-l", text);
  }

  /** Pastes text as a terminal does: bracketed, if the program asked for it. */
  async paste(text: string): Promise<void> {
    await tmux("set-buffer", "-b", this.name, text);
    await tmux("paste-buffer", "-p", "-d", "-b", this.name, "-t", this.name);
  }

  /** Presses keys by tmux name (`Enter`, `C-c`, `BSpace`, `Left`, `PageUp`, …). */
  async keys(...keys: string[]): Promise<void> {
    for (const key of keys) await tmux("send-keys", "-t", this.name, key);
  }

  /** The visible screen, one string per row (trailing spaces trimmed). */
  async screen(): Promise<string[]> {
    return (await tmux("capture-pane", "-p", "-t", this.name)).replace(/\n$/, "").split("\n");
  }

  /** The cursor's column and row, 0-based. */
  async cursor(): Promise<{ x: number; y: number }> {
    const [x, y] = (await tmux("display-message", "-p", "-t", this.name, "#{cursor_x} #{cursor_y}"))
      .trim().split(" ").map(Number);
    return { x, y };
  }

  /** Changes the terminal's size, as dragging the window would. */
  async resize(columns: number, rows: number): Promise<void> {
    await tmux("resize-window", "-t", this.name, "-x", String(columns), "-y", String(rows));
  }

  /** Waits until the screen satisfies `predicate`, failing after `ms` with the screen shown. */
  async waitFor(
    predicate: (screen: string[]) => boolean,
    ms = 10_000,
    what = "screen",
  ): Promise<string[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const screen = await this.screen();
      if (predicate(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting for ${what}; screen:\n${screen.join("\n")}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits for text anywhere on the screen. */
  waitForText(text: string, ms?: number): Promise<string[]> {
    return this.waitFor((screen) => screen.some((row) => row.includes(text)), ms, `'${text}'`);
  }

  /** Ends the terminal and everything in it. */
  async close(): Promise<void> {
    await tmux("kill-session", "-t", this.name).catch(() => {});
  }
}
