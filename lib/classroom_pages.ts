/**
 * The two HTML pages `server.ts --http` serves: the students' page (the
 * command that runs the client from this server, and the compiled programs
 * with their SHA-256) and the projector page (the room live, over
 * Server-Sent Events). Plain HTML, CSS and JavaScript, no framework; every
 * piece of text from members is set with `textContent`, never parsed as HTML.
 *
 * @module
 */

import type { ProjectorSnapshot } from "./projector.ts";

/** A compiled program offered for download. */
export interface Download {
  /** Its path under `dist/`, as served under `/dist/`. */
  name: string;
  /** Its size in bytes. */
  bytes: number;
  /** Its SHA-256, in hex. */
  sha256: string;
}

/**
 * Escapes text for HTML.
 *
 * @param text Any text.
 * @returns Text with `& < > " '` as entities.
 *
 * @example Usage
 * ```ts
 * import { escapeHtml } from "./classroom_pages.ts";
 * import { equal } from "node:assert/strict";
 *
 * equal(escapeHtml(`<img src=x onerror="alert(1)">`), "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char]);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const STYLE = `
  :root { color-scheme: dark; --fg: #e8e8e8; --dim: #8a8f98; --in: #4ec96f; --out: #4fb3d9;
          --warn: #f0a04b; --bad: #ef5f5f; --bg: #15171a; --panel: #1f2226; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 18px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
  header { padding: 14px 24px; background: var(--panel); display: flex; gap: 24px; align-items: baseline; }
  h1 { margin: 0; font-size: 30px; }
  h2 { margin: 0 0 8px; font-size: 15px; text-transform: uppercase; letter-spacing: .08em; color: var(--dim); }
  code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
  pre { background: var(--panel); padding: 14px; border-radius: 6px; overflow-x: auto; font-size: 16px; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 3px 8px; border-bottom: 1px solid #2c3036; }
  th { color: var(--dim); font-weight: normal; font-size: 14px; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
`;

/**
 * The students' page: how to run the client from this server, and the
 * compiled programs.
 *
 * @param options The room's name, the command to print, the room's UDP
 *   address (for `nc`), and the downloads.
 * @returns The page's HTML.
 */
export function studentPage(
  options: { room: string; command: string; udp: string; downloads: readonly Download[] },
): string {
  const rows = options.downloads.map(({ name, bytes, sha256 }) =>
    `<tr><td><a href="/dist/${encodeURI(name)}">${escapeHtml(name)}</a></td>` +
    `<td class="num">${(bytes / 1e6).toFixed(1)} MB</td><td class="mono">${sha256}</td></tr>`
  ).join("\n");
  const downloads = options.downloads.length === 0
    ? "<p>No compiled programs here (the teacher can build them with <code>deno task compile:all</code>).</p>"
    : `<table><tr><th>program</th><th>size</th><th>SHA-256</th></tr>\n${rows}</table>
       <p>Check a download with <code>sha256sum FILE</code> (Windows: <code>certutil -hashfile FILE SHA256</code>).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.room)} · udpchat</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE} main { max-width: 1000px; margin: 24px auto; padding: 0 24px; }</style></head>
<body><header><h1>${escapeHtml(options.room)}</h1><span>a udpchat room</span>
<a href="/projector">projector page</a></header>
<main>
<h2>With Deno: one command</h2>
<pre id="command">${escapeHtml(options.command)}</pre>
<p>Replace NAME with your nickname. Deno fetches the client from the teacher's computer (nothing
from the internet) and runs it with only the permissions listed.</p>
<h2>Without Deno: a single-file program</h2>
${downloads}
<h2>Without anything</h2>
<p><code>nc -u ${
    escapeHtml(options.udp.replace(/:(\d+)$/, " $1"))
  }</code> joins as a plain-text member: type back the join code it answers with.</p>
</main></body></html>
`;
}

/**
 * The projector page, with the room as it is now built in (so it shows at
 * once, even before the live updates start).
 *
 * @param snapshot The room now.
 * @returns The page's HTML.
 */
export function projectorPage(snapshot: ProjectorSnapshot): string {
  // Inside <script>, "<" is escaped so no text from a member can close the element.
  const initial = JSON.stringify(snapshot).replaceAll("<", "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(snapshot.room)} · projector</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}
  main { display: grid; grid-template-columns: 260px 1fr 380px; gap: 18px; padding: 18px 24px; height: calc(100vh - 70px); }
  section { background: var(--panel); border-radius: 8px; padding: 14px 16px; overflow: hidden; }
  #feed { display: flex; flex-direction: column; justify-content: flex-end; }
  #feed div { white-space: pre-wrap; overflow-wrap: anywhere; }
  #feed .time { color: var(--dim); font-size: 14px; margin-right: 8px; }
  #feed .join, #feed .leave, #feed .notice { color: var(--dim); }
  #feed .teacher { color: var(--warn); }
  .big { font-size: 34px; font-variant-numeric: tabular-nums; }
  .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 10px 16px; margin-bottom: 14px; }
  .label { color: var(--dim); font-size: 14px; }
  .in { color: var(--in); } .out { color: var(--out); } .warn { color: var(--warn); } .bad { color: var(--bad); }
  #topic { color: var(--dim); }
  #live { margin-left: auto; font-size: 14px; color: var(--dim); }
  svg { width: 100%; height: 120px; background: #181a1d; border-radius: 4px; }
</style></head>
<body>
<header><h1 id="room"></h1><span id="topic"></span><span id="live">connecting…</span></header>
<main>
  <section><h2>Members <span id="count"></span></h2>
    <table><thead><tr><th>nick</th><th class="num">rtt</th><th class="num">loss</th></tr></thead>
    <tbody id="members"></tbody></table></section>
  <section id="feed"></section>
  <section><h2>The protocol at work</h2>
    <div class="grid">
      <div><div class="label">datagrams in /s</div><div class="big in" id="rate-in">0</div></div>
      <div><div class="label">datagrams out /s</div><div class="big out" id="rate-out">0</div></div>
    </div>
    <svg id="spark" viewBox="0 0 120 60" preserveAspectRatio="none">
      <polyline id="line-in" fill="none" stroke="#4ec96f" stroke-width="1.2" vector-effect="non-scaling-stroke"/>
      <polyline id="line-out" fill="none" stroke="#4fb3d9" stroke-width="1.2" vector-effect="non-scaling-stroke"/>
    </svg>
    <div class="label">the last minute: <span class="in">in</span>, <span class="out">out</span></div>
    <table>
      <tr><td>datagrams received</td><td class="num" id="datagramsIn">0</td></tr>
      <tr><td>datagrams sent</td><td class="num" id="datagramsOut">0</td></tr>
      <tr><td>acks received</td><td class="num" id="acksReceived">0</td></tr>
      <tr><td>acks sent</td><td class="num" id="acksSent">0</td></tr>
      <tr><td>stream frames sent</td><td class="num" id="sent">0</td></tr>
      <tr><td class="warn">retransmissions</td><td class="num warn" id="retransmitted">0</td></tr>
      <tr><td class="warn">duplicates dropped</td><td class="num warn" id="duplicates">0</td></tr>
      <tr><td class="warn">held back for a gap</td><td class="num warn" id="held">0</td></tr>
    </table>
  </section>
</main>
<script type="application/json" id="initial">${initial}</script>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const rates = []; // [in, out] per update, the last minute of them
let previous;
function text(element, value) { element.textContent = value; }
function row(cells) {
  const tr = document.createElement("tr");
  for (const [value, cls] of cells) {
    const td = document.createElement("td");
    td.textContent = value;
    if (cls) td.className = cls;
    tr.append(td);
  }
  return tr;
}
function clock(ms) { return new Date(ms).toTimeString().slice(0, 8); }
function show(state) {
  text($("room"), state.room);
  text($("topic"), state.topic ? "“" + state.topic + "”" : "");
  document.title = state.room + " · projector";
  text($("count"), "(" + state.members.length + ")");
  $("members").replaceChildren(...state.members.map((m) => row([
    [m.nick + (m.plainText ? " (nc)" : "")],
    [m.rtt === undefined ? "–" : m.rtt.toFixed(1) + " ms", "num"],
    [m.loss === undefined ? "–" : (m.loss * 100).toFixed(0) + "%", "num" + (m.loss > 0.1 ? " bad" : "")],
  ])));
  $("feed").replaceChildren(...state.feed.map((line) => {
    const div = document.createElement("div");
    div.className = line.kind;
    const time = document.createElement("span");
    time.className = "time";
    time.textContent = clock(line.time);
    div.append(time, line.text);
    return div;
  }));
  for (const [key, value] of Object.entries(state.counters)) {
    const cell = $(key);
    if (cell) text(cell, value.toLocaleString("en"));
  }
  if (previous && state.at > previous.at) {
    const seconds = (state.at - previous.at) / 1000;
    const rateIn = (state.counters.datagramsIn - previous.counters.datagramsIn) / seconds;
    const rateOut = (state.counters.datagramsOut - previous.counters.datagramsOut) / seconds;
    text($("rate-in"), Math.round(rateIn).toLocaleString("en"));
    text($("rate-out"), Math.round(rateOut).toLocaleString("en"));
    rates.push([rateIn, rateOut]);
    if (rates.length > 120) rates.shift();
    const top = Math.max(10, ...rates.flat());
    const points = (i) => rates.map((r, x) => (x + 120 - rates.length) + "," + (58 - (r[i] / top) * 56).toFixed(1)).join(" ");
    $("line-in").setAttribute("points", points(0));
    $("line-out").setAttribute("points", points(1));
  }
  previous = state;
}
show(JSON.parse($("initial").textContent));
const events = new EventSource("/events");
events.onopen = () => text($("live"), "live");
events.onerror = () => text($("live"), "reconnecting…");
events.onmessage = (message) => show(JSON.parse(message.data));
</script>
</body></html>
`;
}
