/**
 * Floods against the real server on loopback, with two honest members
 * chatting at 5 messages a second each: what the honest members see (latency,
 * loss, removals) and how much of the flood gets through. Used by
 * `tests/flood_test.ts` (short) and `deno task flood` (10 s each, the table
 * in docs/SECURITY.md).
 *
 * @module
 */

import { Program, startClient, startServer, stopAll } from "./process.ts";

/** The kinds of flood, as in issue 10's table. */
export type FloodKind = "unpaced" | "paced" | "legacy" | "random";

/** How much longer than the chat the flood runs, in ms: the chat's last lines are under it too. */
const FLOOD_MARGIN = 500;

/** What one flood did. */
export interface FloodResult {
  kind: FloodKind;
  seconds: number;
  honestSent: number;
  honestLost: number;
  honestRemoved: number;
  p50: number;
  p99: number;
  floodSent: number;
  floodAccepted: number;
}

/**
 * Runs one flood for `ms` while alice and bob chat, and measures.
 *
 * @param kind Which flood.
 * @param ms How long, in ms.
 * @returns The figures.
 */
export async function flood(kind: FloodKind, ms: number): Promise<FloodResult> {
  const { server, port } = await startServer();
  let alice: Program | undefined, bob: Program | undefined, paced: Program | undefined;
  try {
    alice = await startClient(port, "alice");
    bob = await startClient(port, "bob");
    // Each honest line carries its own send time; the other side stamps when it shows it.
    const sentAt = new Map<string, number>();
    const seenAt = new Map<string, number>();
    let honestSent = 0;
    // They were talking before the flood came: a first line each way, not measured, so that the
    // measured lines do not include a new process's first run through its code.
    await alice.type("alice is here");
    await bob.type("bob is here");
    await alice.waitForLine("bob is here");
    await bob.waitForLine("alice is here");
    // Then the flood starts, and the chat is measured while it runs: on a LAN the flooder is
    // another computer, so its own start-up (a Deno process, a python3 forger) is not the flood.
    let floodSent = 0;
    let flooding: Promise<void>;
    if (kind !== "paced") {
      const flooder = new Program(
        "tests/tools/flooder.ts",
        [String(port), kind, String(ms + FLOOD_MARGIN)],
        {
          deno: ["--unstable-net", "--allow-net", "--allow-run", "--allow-read"],
          // Here it shares 2 cores with everyone: at the lowest priority, as another computer.
          nice: true,
        },
      );
      await flooder.waitForLine("flooding");
      flooding = flooder.exit(ms + FLOOD_MARGIN + 10_000).then(() => {
        floodSent = Number(flooder.lines.at(-1));
      });
    } else {
      paced = await startClient(port, "flood");
      const lines = Array.from({ length: 20_000 }, (_, i) => `flood ${i}`);
      floodSent = lines.length;
      await paced.type(...lines);
      flooding = Promise.resolve();
    }
    let chatDone = false;
    const chatting = (async () => {
      const end = Date.now() + ms;
      for (let i = 0; Date.now() < end; i++) {
        for (const [who, client] of [["alice", alice!], ["bob", bob!]] as const) {
          const text = `${who} ${i}`;
          sentAt.set(text, Date.now());
          honestSent++;
          await client.type(text);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      chatDone = true;
    })();
    const watching = (async () => {
      const end = Date.now() + ms + 5000;
      // Only the lines printed since the last look are read: the watcher must not take the CPU
      // the server and the honest clients need (two cores, shared with the flood).
      const read = new Map<Program, number>();
      while (Date.now() < end && !(chatDone && seenAt.size === honestSent)) {
        for (const [client, other] of [[alice!, "bob"], [bob!, "alice"]] as const) {
          const lines = client.lines;
          for (let i = read.get(client) ?? 0; i < lines.length; i++) {
            if (!lines[i].includes('"type":"message"')) continue;
            const m = JSON.parse(lines[i]) as { from: string; text: string };
            if (m.from === other && sentAt.has(m.text) && !seenAt.has(m.text)) {
              seenAt.set(m.text, Date.now());
            }
          }
          read.set(client, lines.length);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    await flooding;
    await chatting;
    await watching;
    const latencies = [...seenAt].map(([text, at]) => at - sentAt.get(text)!).sort((a, b) => a - b);
    const pick = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    const leaves = (c: Program) =>
      c.json().filter((e) => e.type === "leave" && (e.nick === "alice" || e.nick === "bob")).length;
    return {
      kind,
      seconds: ms / 1000,
      honestSent,
      honestLost: honestSent - seenAt.size,
      honestRemoved: leaves(alice) + leaves(bob),
      p50: pick(0.5),
      p99: pick(0.99),
      floodSent,
      floodAccepted: alice.messages().filter((m) => m.text.startsWith("flood")).length,
    };
  } finally {
    await stopAll(alice, bob, paced, server);
  }
}

/** The results as a Markdown table. */
export function floodTable(results: FloodResult[]): string {
  const rows = results.map((r) =>
    `| ${r.kind} | ${r.seconds} s | ${r.floodSent.toLocaleString("en")} | ${r.floodAccepted} | ` +
    `${r.p50} / ${r.p99} ms | ${r.honestLost} of ${r.honestSent} | ${r.honestRemoved} |`
  );
  return [
    "| flood from one source | for | flood datagrams or lines sent | flood messages shown | honest p50 / p99 | honest lost | honest removed |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
