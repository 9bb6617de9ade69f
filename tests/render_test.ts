import { deepEqual, equal, match, ok } from "node:assert/strict";
import { ChatView, nickColor } from "../lib/chat_view.ts";
import { LineEditor } from "../lib/editor.ts";
import { describeEvent, jsonLine } from "../lib/format.ts";
import { sanitize } from "../lib/sanitize.ts";
import { parseKeys } from "../lib/keys.ts";
import { type Line, renderScreen, type ScreenState, wrapLine } from "../lib/render.ts";
import { fitStatus } from "../lib/status_line.ts";
import { displayWidth, graphemes } from "../lib/width.ts";

Deno.test("displayWidth() counts wide characters and emoji as two cells, marks as none", () => {
  equal(displayWidth("hello"), 5);
  equal(displayWidth("你好"), 4);
  equal(displayWidth("こんにちは"), 10);
  equal(displayWidth("한국"), 4);
  equal(displayWidth("😀👍🏽"), 4);
  equal(displayWidth("e\u0301"), 1);
  equal(displayWidth("👨‍👩‍👧"), 2);
});

Deno.test("LineEditor edits like a shell, by grapheme", () => {
  const editor = new LineEditor();
  editor.apply({ type: "text", text: "hello big world" });
  editor.apply({ type: "kill-word" });
  equal(editor.text, "hello big ");
  editor.apply({ type: "home" });
  editor.apply({ type: "delete" });
  equal(editor.text, "ello big ");
  editor.apply({ type: "end" });
  editor.apply({ type: "text", text: "👍🏽" });
  editor.apply({ type: "backspace" });
  equal(editor.text, "ello big ");
  editor.apply({ type: "left" });
  editor.apply({ type: "kill-start" });
  equal(editor.text, " ");
  editor.apply({ type: "kill-end" });
  equal(editor.text, "");
});

Deno.test("LineEditor walks the history of sent lines and keeps the draft", () => {
  const editor = new LineEditor();
  for (const line of ["one", "two"]) {
    editor.apply({ type: "text", text: line });
    editor.submit();
  }
  editor.apply({ type: "text", text: "draft" });
  editor.apply({ type: "up" });
  equal(editor.text, "two");
  editor.apply({ type: "up" });
  editor.apply({ type: "up" });
  equal(editor.text, "one");
  editor.apply({ type: "down" });
  editor.apply({ type: "down" });
  equal(editor.text, "draft");
});

Deno.test("parseKeys() understands cursor, paging and control keys, ignoring unknown sequences", () => {
  deepEqual(parseKeys("\x1b[A\x1bOB\x1b[1;5C\x1b[3~\x1b[5~\x1b[6~\x1b[H\x1b[4~\x1b[99Z"), [
    { type: "up" },
    { type: "down" },
    { type: "right" },
    { type: "delete" },
    { type: "page-up" },
    { type: "page-down" },
    { type: "home" },
    { type: "end" },
  ]);
  deepEqual(parseKeys("a\x01\x05\x15\x17\x0b\x7f\x03\x04\r"), [
    { type: "text", text: "a" },
    { type: "home" },
    { type: "end" },
    { type: "kill-start" },
    { type: "kill-word" },
    { type: "kill-end" },
    { type: "backspace" },
    { type: "interrupt" },
    { type: "eof" },
    { type: "enter" },
  ]);
});

Deno.test("wrapLine() never splits a wide character and indents continuation rows", () => {
  const text = (rows: ReturnType<typeof wrapLine>) =>
    rows.map((row) => row.map((s) => s.text).join(""));
  const line = [{ text: "[12:00:00] " }, { text: "abcdefghi你好" }];
  deepEqual(text(wrapLine(line, 22, 11)), ["[12:00:00] abcdefghi你", "           好"]);
  deepEqual(text(wrapLine(line, 21, 11)), ["[12:00:00] abcdefghi", "           你好"]);
});

Deno.test("wrapLine() breaks at spaces, cuts only words longer than a row, and breaks CJK anywhere", () => {
  const text = (line: string, width: number, indent = 0) =>
    wrapLine([{ text: "[12:00:00] " }, { text: line, style: { bold: true } }], width, indent)
      .map((row) => row.map((s) => s.text).join("").trimEnd());
  // The reported "wider t/han": the word moves down whole.
  deepEqual(text("a message wider than the pane", 30, 11), [
    "[12:00:00] a message wider",
    "           than the pane",
  ]);
  // A word longer than a row is cut, and the rest carries on.
  deepEqual(text("supercalifragilistic ok", 20, 11), [
    "[12:00:00] supercali",
    "          fragilisti",
    "          c ok",
  ]);
  // CJK breaks between any two characters; a Latin word after it still moves whole.
  deepEqual(text("你好世界 hello", 22, 11), ["[12:00:00] 你好世界", "           hello"]);
  // Styles survive the carry.
  const rows = wrapLine([{ text: "ab " }, { text: "cd", style: { bold: true } }], 4, 0);
  deepEqual(rows, [[{ text: "ab " }], [{ text: "cd", style: { bold: true } }]]);
});

Deno.test("renderScreen() measures the prompt in cells: a CJK nickname keeps the cursor on the text", () => {
  const frame = renderScreen({ ...base, prompt: "小明> ", input: ["a", "b", "c"], cursor: 3 });
  equal(frame.rows.at(-1), "小明> abc");
  equal(frame.cursor.col, displayWidth("小明> abc")); // 9 cells, not 7 characters
  // Wrapping the input counts the prompt's cells too: 20 cells = "小明> " (6) + 14.
  const long = renderScreen({ ...base, prompt: "小明> ", input: [..."x".repeat(15)], cursor: 15 });
  equal(long.rows.at(-2), "小明> " + "x".repeat(14));
  equal(long.rows.at(-1), "x");
});

const base: ScreenState = {
  width: 20,
  height: 6,
  lines: [],
  scroll: 0,
  status: [{ text: "status" }],
  prompt: "> ",
  input: [],
  cursor: 0,
  color: false,
};

Deno.test("renderScreen() puts messages above, status and input below, cursor on its cell", () => {
  const lines = Array.from({ length: 10 }, (_, i) => [{ text: `line ${i}` }]);
  const frame = renderScreen({ ...base, lines, input: graphemes("你好"), cursor: 1 });
  deepEqual(frame.rows, ["line 6", "line 7", "line 8", "line 9", "status", "> 你好"]);
  deepEqual(frame.cursor, { row: 5, col: 4 });
  equal(frame.maxScroll, 4); // one page further back than shown; more as the user pages up
});

Deno.test("renderScreen() grows the input upwards as it wraps, and scrolls back", () => {
  const lines = Array.from({ length: 10 }, (_, i) => [{ text: `line ${i}` }]);
  const input = graphemes("x".repeat(30));
  const frame = renderScreen({ ...base, lines, input, cursor: 30 });
  deepEqual(frame.rows.slice(-3), ["status", "> " + "x".repeat(18), "x".repeat(12)]);
  deepEqual(frame.cursor, { row: 5, col: 12 });
  const back = renderScreen({ ...base, lines, scroll: 3 });
  deepEqual(back.rows.slice(0, 4), ["line 3", "line 4", "line 5", "line 6"]);
});

Deno.test("renderScreen() styles only with colour allowed", () => {
  const lines = [[{ text: "hi", style: { color: 32, bold: true } }]];
  ok(renderScreen({ ...base, lines, color: true }).rows.some((row) => row.includes("\x1b[1;32m")));
  ok(renderScreen({ ...base, lines, color: false }).rows.some((row) => row.includes("\x1b[1m")));
});

Deno.test("sanitize() shows control characters and bidi overrides inert", () => {
  equal(sanitize("a\x1b[2J\x07\r\nb\u202e"), "a␛[2J␇␍␊b<U+202E>");
  equal(sanitize("你好 😀"), "你好 😀");
});

Deno.test("describeEvent() and jsonLine() render each event for people and programs", () => {
  const msg = { type: "msg" as const, seq: 3, from: "bob", text: "hi\x1b", time: 0 };
  equal(describeEvent(msg, "alice"), "<bob> hi␛");
  equal(
    describeEvent({ type: "leave", seq: 4, nick: "bob", reason: "timeout", time: 0 }, "a"),
    "<-- bob timed out",
  );
  equal(
    describeEvent({ type: "pm", from: "alice", to: "bob", text: "x", time: 0 }, "alice"),
    "[pm to bob] x",
  );
  equal(JSON.parse(jsonLine(msg)).type, "message");
  equal(
    JSON.parse(jsonLine({ type: "pm", from: "a", to: "b", text: "x", time: 0 })).type,
    "private",
  );
});

Deno.test("ChatView colours nicknames stably, marks mine, highlights mentions and tracks delivery", () => {
  // Members are told apart by colour: a dozen nicks get many different ones.
  const nicks = ["ann", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jo", "kim", "lu"];
  ok(new Set(nicks.map(nickColor)).size >= 6);
  const view = new ChatView();
  const ring = view.apply(
    { type: "msg", seq: 1, from: "bob", text: "hey Alice!", time: 0 },
    "alice",
    0,
  );
  equal(ring, true);
  equal(
    view.apply({ type: "msg", seq: 2, from: "bob", text: "malice", time: 0 }, "alice", 0),
    false,
  );
  view.apply({ type: "msg", seq: 3, from: "alice", text: "mine", time: 0 }, "alice", 0);
  const [mention, , mine] = view.lines();
  ok(mention.some((span) => span.style?.inverse), "mention highlighted");
  ok(mine.some((span) => span.style?.bold && span.style.underline), "own nick marked");
  view.apply({ type: "pending", id: 1, text: "on its way" }, "alice", 0);
  ok(view.lines().at(-1)!.some((span) => span.text.includes("sending")));
  view.apply({ type: "failed", id: 1, text: "on its way", reason: "x" }, "alice", 0);
  ok(view.lines().at(-1)!.some((span) => span.text.includes("✗")));
  view.apply({ type: "delivered", id: 1 }, "alice", 0);
  equal(view.lines().length, 3);
  // Refused by the server (muted, its disk full): a line says so, nothing stays pending.
  view.apply({ type: "pending", id: 2, text: "refused" }, "alice", 0);
  view.apply({ type: "failed", id: 2, text: "refused", reason: "muted", final: true }, "alice", 0);
  equal(view.lines().length, 4);
  match(view.lines().at(-1)!.map((span) => span.text).join(""), /not sent — muted: refused$/);
});

Deno.test("parseKeys() marks a bracketed paste, and a message's own lines stay lines on screen", () => {
  deepEqual(parseKeys("\x1b[200~a\rb\x1b[201~").map((k) => k.type), [
    "paste-start",
    "text",
    "enter",
    "text",
    "paste-end",
  ]);
  const rows = wrapLine([{ text: "one\ntwo" }], 40, 4);
  deepEqual(rows.map((row) => row.map((s) => s.text).join("")), ["one", "    two"]);
  const event = { type: "msg", seq: 1, from: "bob", text: "one\ntwo\x1b", time: 0 } as const;
  equal(describeEvent(event, "alice"), `<bob> one\n${" ".repeat(11)}two␛`);
});

Deno.test("fitStatus() keeps the connection state and the room on a narrow terminal, decorations go first", () => {
  const parts = [
    { text: "udpchat", priority: 7 },
    { text: "Networks 101", priority: 1 },
    { text: "“quiz at 3”", priority: 4 },
    { text: "10.0.0.5:9999", priority: 5 },
    { text: "23 members", priority: 3 },
    { text: "reconnecting…", priority: 0 },
    { text: "rtt 2 ms", priority: 6 },
  ];
  equal(
    fitStatus(parts, 100),
    " udpchat · Networks 101 · “quiz at 3” · 10.0.0.5:9999 · 23 members · reconnecting… · rtt 2 ms ",
  );
  equal(fitStatus(parts, 60), " Networks 101 · “quiz at 3” · 23 members · reconnecting… ");
  equal(fitStatus(parts, 50), " Networks 101 · 23 members · reconnecting… ");
  equal(fitStatus(parts, 30), " Networks 101 · reconnecting… ");
  equal(fitStatus(parts, 12), " reconnecti…");
  ok(displayWidth(fitStatus([{ text: "小明的房间".repeat(5), priority: 0 }], 20)) <= 20);
});

Deno.test("F2 shows the trace in a pane under the messages", () => {
  deepEqual(parseKeys("\x1bOQ\x1b[12~"), [{ type: "toggle-trace" }, { type: "toggle-trace" }]);
  const screen = (trace?: Line[]) =>
    renderScreen({ ...base, width: 30, height: 10, lines: [[{ text: "hello" }]], trace }).rows;
  const rows = screen([[
    { text: "10:00:00.001 ", style: { dim: true } },
    { text: "← 127.0.0.1:9999", style: { color: 32 } },
    { text: "   97 B  msg n=1 a very long summary", style: { dim: true } },
  ]]);
  equal(rows.length, 10);
  // Colour is off here (as with NO_COLOR): only the dimming is drawn.
  const plain = rows.map((row) => row.replaceAll("\x1b[2m", "").replaceAll("\x1b[0m", ""));
  ok(plain[6].startsWith("── trace (F2 hides it) ─"), plain.join("\n"));
  equal(plain[7], "10:00:00.001 ← 127.0.0.1:9999 "); // cut to the width
  equal(plain[8], "status");
  ok(!screen().some((row) => row.includes("trace")));
});
