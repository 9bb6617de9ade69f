/**
 * The full-screen client in a real terminal (tmux), driven by keystrokes.
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { freePort, type Program, startClient, startServer, stopAll } from "./process.ts";
import { hasTmux, Terminal } from "./tmux.ts";

const skip = !(await hasTmux());
if (skip) console.log("SKIPPED tui_test.ts: needs tmux");

const CLIENT = "deno run --allow-net --allow-env=USER,USERNAME,LOGNAME client.ts";

async function chat(
  test: (terminal: Terminal, other: Program, port: number) => Promise<void>,
  size: [number, number] = [80, 24],
  flags = "",
): Promise<void> {
  const { server, port } = await startServer();
  const terminal = await Terminal.open(...size);
  let other: Program | undefined;
  try {
    await terminal.type(`cd ${Deno.cwd()} && ${CLIENT} 127.0.0.1:${port} --nick alice ${flags}`);
    await terminal.keys("Enter");
    await terminal.waitForText("alice>");
    await terminal.waitForText("1 member");
    other = await startClient(port, "bob");
    await terminal.waitForText("bob joined");
    await test(terminal, other, port);
  } finally {
    await terminal.close();
    await stopAll(other, server);
  }
}

const input = (screen: string[]) => screen.filter((row) => row.startsWith("alice>")).join("");

Deno.test({
  name: "tui: a half-typed line stays intact while messages arrive",
  ignore: skip,
  fn: () =>
    chat(async (terminal, bob) => {
      await terminal.type("half a line, not sent");
      await bob.type("first from bob", "second from bob", "third from bob");
      const screen = await terminal.waitForText("third from bob");
      equal(input(screen), "alice> half a line, not sent");
      ok(
        screen.some((row) => /^\[\d\d:\d\d:\d\d\] <bob> first from bob$/.test(row)),
        screen.join("\n"),
      );
      equal((await terminal.cursor()).x, "alice> half a line, not sent".length);
      await terminal.keys("Enter");
      await bob.waitFor((c) =>
        c.json().some((e) => e.type === "message" && e.text === "half a line, not sent")
      );
    }),
});

Deno.test({
  name: "tui: Chinese input and deletion keep the cursor on the right cell",
  ignore: skip,
  fn: () =>
    chat(async (terminal) => {
      await terminal.type("你好世界");
      await terminal.waitFor((s) => input(s) === "alice> 你好世界");
      equal((await terminal.cursor()).x, 7 + 8);
      await terminal.keys("BSpace", "Left");
      await terminal.waitFor((s) => input(s) === "alice> 你好世");
      equal((await terminal.cursor()).x, 7 + 4);
      await terminal.keys("BSpace");
      await terminal.waitFor((s) => input(s) === "alice> 你世");
      await terminal.keys("C-a");
      await terminal.type("👍");
      await terminal.waitFor((s) => input(s) === "alice> 👍你世");
      equal((await terminal.cursor()).x, 7 + 2);
    }),
});

Deno.test({
  name: "tui: a wrapped input line survives incoming messages",
  ignore: skip,
  fn: () =>
    chat(async (terminal, bob) => {
      const long = "word ".repeat(30).trim(); // 149 characters: wraps on 80 columns
      await terminal.type(long);
      await bob.type("interrupting message");
      const screen = await terminal.waitForText("interrupting message");
      const at = screen.findIndex((row) => row.startsWith("alice>"));
      equal((screen[at] + screen[at + 1]).trimEnd(), `alice> ${long}`);
      ok(screen[at - 1].includes("udpchat"), "status line above the input");
      await terminal.keys("Enter");
      await bob.waitFor((c) => c.json().some((e) => e.type === "message" && e.text === long));
    }),
});

Deno.test({
  name: "tui: resizing redraws everything at the new size",
  ignore: skip,
  fn: () =>
    chat(async (terminal, bob) => {
      await bob.type("before the resize");
      await terminal.waitForText("before the resize");
      await terminal.type("typing");
      await terminal.resize(60, 15);
      const screen = await terminal.waitFor(
        // tmux may show a frame drawn between two sizes: wait for the last redraw.
        (s) => s.length === 15 && s[14].startsWith("alice> ") && s[13].includes("connected"),
        5000,
        "resize",
      );
      equal(screen[14], "alice> typing");
      ok(screen[13].includes("udpchat") && screen[13].includes("connected"), screen.join("\n"));
      ok(screen.some((row) => row.includes("before the resize")));
      ok(screen.every((row) => row.length <= 60));
    }),
});

Deno.test({
  name: "tui: escape sequences from another member are shown inert",
  ignore: skip,
  fn: () =>
    chat(async (terminal, bob) => {
      await bob.type("\x1b[2J\x1b[31mnot red\x1b[0m \x07bell");
      const screen = await terminal.waitForText("not red");
      ok(screen.some((row) => row.includes("<bob> ␛[2J␛[31mnot red␛[0m ␇bell")), screen.join("\n"));
      ok(screen.some((row) => row.includes("bob joined")), "the screen was not cleared");
    }),
});

Deno.test({
  name: "tui: history, PageUp scroll-back and /who",
  ignore: skip,
  fn: () =>
    chat(async (terminal, bob) => {
      await bob.type(...Array.from({ length: 40 }, (_, i) => `scroll line ${i}`));
      await terminal.waitForText("scroll line 39");
      await terminal.keys("PageUp", "PageUp");
      const up = await terminal.waitForText("scroll line 5");
      ok(up.some((row) => row.includes("PgDn")), "status says scrolled");
      // New lines while scrolled back: the view stays still and the status counts them.
      const pane = (screen: string[]) => screen.filter((row) => row.includes("scroll line"));
      await bob.type("late 1", "late 2", "late 3");
      const still = await terminal.waitForText("— 3 new below — (PgDn)");
      deepEqual(pane(still), pane(up));
      await terminal.keys("PageDown", "PageDown", "PageDown");
      await terminal.waitForText("late 3");
      ok(!(await terminal.screen()).some((row) => row.includes("new below")));
      await terminal.keys("PageUp", "PageUp");
      await terminal.waitForText("scroll line 5");
      await terminal.keys("PageDown", "PageDown");
      await terminal.waitForText("scroll line 39");
      await terminal.type("/who");
      await terminal.keys("Enter");
      await terminal.waitForText("2 in the room: alice, bob");
      await terminal.keys("Up");
      await terminal.waitFor((s) => input(s) === "alice> /who");
    }),
});

Deno.test({
  name: "tui: Ctrl+C leaves the room and restores the terminal",
  ignore: skip,
  fn: () =>
    chat(async (terminal, bob) => {
      await terminal.keys("C-c");
      await bob.waitFor((c) => c.json().some((e) => e.type === "leave" && e.nick === "alice"));
      await terminal.waitFor((s) =>
        s.some((row) => row.startsWith("$")) && !s.some((r) => r.startsWith("alice>"))
      );
      await terminal.type("stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ,");
      await terminal.keys("Enter");
      const screen = await terminal.waitForText("icanon,echo,");
      deepEqual(screen.filter((row) => row.includes("udpchat ·")), [], "the chat screen is gone");
    }),
});

Deno.test({
  name: "tui: closing the terminal leaves the room cleanly",
  ignore: skip,
  fn: () =>
    chat(async (terminal, bob) => {
      await terminal.close();
      await bob.waitFor(
        (c) =>
          c.json().some((e) => e.type === "leave" && e.nick === "alice" && e.reason === "quit"),
        5000,
      );
    }),
});

Deno.test({
  name: "tui: after an error (no server answering) the terminal is restored and the reason shown",
  ignore: skip,
  fn: async () => {
    const { freePort } = await import("./process.ts");
    const terminal = await Terminal.open();
    try {
      await terminal.type(
        `cd ${Deno.cwd()} && ${CLIENT} 127.0.0.1:${freePort()} --nick zed; ` +
          "stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo | tr '\\n' ,; echo",
      );
      await terminal.keys("Enter");
      const screen = await terminal.waitForText("icanon,echo,", 15_000);
      const text = screen.join("");
      ok(/no answer from 127\.0\.0\.1:\d+ within 5 s/.test(text), screen.join("\n"));
    } finally {
      await terminal.close();
    }
  },
});

Deno.test({
  name:
    "tui: the teacher kicks bob at the server's console; bob's screen says why, and he stays out",
  ignore: skip,
  fn: async () => {
    const port = freePort();
    const teacher = await Terminal.open(100, 12);
    const bob = await Terminal.open(80, 12);
    try {
      const server = "deno run --allow-net --allow-read --allow-write server.ts";
      await teacher.type(
        `cd ${Deno.cwd()} && ${server} --host 127.0.0.1 --port ${port} --no-discovery`,
      );
      await teacher.keys("Enter");
      await teacher.waitForText("listening on");
      await bob.type(`cd ${Deno.cwd()} && ${CLIENT} 127.0.0.1:${port} --nick bob; echo "exit $?"`);
      await bob.keys("Enter");
      await bob.waitForText("bob>");
      await teacher.type("/say welcome, class");
      await teacher.keys("Enter");
      await bob.waitForText("*** teacher: welcome, class");
      await teacher.type("/kick bob spam");
      await teacher.keys("Enter");
      await bob.waitForText("you were removed by the teacher: spam");
      await bob.waitForText("exit 5");
      await teacher.waitForText("<-- bob was removed by the teacher: spam");
      // He does not come back by himself.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      ok(!(await teacher.screen()).join("\n").includes("--> bob joined\n"), "no rejoin");
      equal((await teacher.screen()).filter((row) => row.includes("--> bob joined")).length, 1);
    } finally {
      await bob.close();
      await teacher.close();
    }
  },
});

Deno.test({
  name: "tui: a pasted block of lines goes as one message, its lines kept",
  ignore: skip,
  fn: () =>
    chat(async (terminal, bob) => {
      await terminal.paste("for i in range(3):\n    print(i)\nprint('done')");
      await terminal.waitFor((s) => input(s).includes("↵"), 5000, "the paste in the input line");
      await terminal.keys("Enter");
      await bob.waitFor((c) => c.messages().some((m) => m.from === "alice"));
      const pasted = bob.messages().filter((m) => m.from === "alice");
      deepEqual(pasted.map((m) => m.text), ["for i in range(3):\n    print(i)\nprint('done')"]);
      await terminal.waitForText("    print(i)");
    }),
});

Deno.test({
  name: "tui: a CJK nickname's prompt is measured in cells, and messages wrap at spaces",
  ignore: skip,
  fn: async () => {
    const { server, port } = await startServer();
    const terminal = await Terminal.open(40, 12);
    let bob: Program | undefined;
    try {
      await terminal.type(`cd ${Deno.cwd()} && ${CLIENT} 127.0.0.1:${port} --nick 小明`);
      await terminal.keys("Enter");
      await terminal.waitForText("小明>");
      await terminal.type("abc");
      await terminal.waitFor((s) => s.some((row) => row.startsWith("小明> abc")));
      equal((await terminal.cursor()).x, 9, "小明> is 6 cells, then abc");
      // 40 columns: the status line drops decorations, not the room or the connection state.
      const screen40 = await terminal.waitFor((s) => s.some((row) => row.includes("connected")));
      const status = screen40.find((row) => row.includes("connected"));
      ok(
        status !== undefined && status.includes("udpchat · ") && status.trimEnd().length <= 40,
        JSON.stringify(status),
      );
      bob = await startClient(port, "bob");
      const words = "every word of this message arrives whole on a narrow screen";
      await bob.type(words);
      const screen = await terminal.waitForText("narrow");
      const first = screen.findIndex((row) => row.includes("<bob> every"));
      const shown = screen.slice(first, first + 3).join(" ").replace(/^.*<bob> /, "");
      deepEqual(shown.split(/\s+/).filter(Boolean), words.split(" "), screen.join("\n"));
    } finally {
      await terminal.close();
      await stopAll(bob, server);
    }
  },
});

Deno.test({
  name: "tui: --trace shows each datagram in a pane, and F2 hides and shows it",
  ignore: skip,
  fn: () =>
    chat(
      async (terminal, bob) => {
        await bob.type("traced hello");
        let screen = await terminal.waitForText("msg n=");
        const rule = screen.findIndex((row) => row.startsWith("── trace (F2 hides it) ──"));
        ok(rule > 0, screen.join("\n"));
        // Under the rule, above the status line: the datagrams, newest last.
        const pane = screen.slice(rule + 1, screen.findIndex((row) => row.includes("udpchat ·")));
        ok(
          pane.some((row) => /← 127\.0\.0\.1:\d+ +\d+ B {2}msg n=\d+ seq=\d+ from=bob/.test(row)),
          pane.join("\n"),
        );
        ok(pane.some((row) => /→ 127\.0\.0\.1:\d+ +\d+ B {2}ack n=\d+/.test(row)), pane.join("\n"));
        ok(screen.some((row) => row.includes("<bob> traced hello")));
        await terminal.keys("F2");
        screen = await terminal.waitFor((rows) => !rows.some((row) => row.includes("── trace")));
        ok(screen.some((row) => row.includes("<bob> traced hello")));
        await terminal.keys("F2");
        await terminal.waitForText("── trace (F2 hides it)");
      },
      [100, 24],
      "--trace",
    ),
});
