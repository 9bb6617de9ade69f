/**
 * The benchmark suite, `deno task bench`: udpchat's server side by side with
 * the tutorial's Python relay and the same relay in C, in interleaved rounds
 * on loopback, and udpchat's own figures (acknowledged fan-out, a 1,000-member
 * join storm, idle cost, start-up). Prints a table; `--write` also puts it in
 * docs/PERFORMANCE.md with the machine and the date.
 *
 *   deno task bench [--rounds 3] [--seconds 4] [--only plain,acked,storm] [--write]
 *
 * Plain-text load comes from `bench/load/load.c` (recvmmsg, so it is not the
 * bottleneck), built with the system's C compiler; without one those rows are
 * skipped, with the reason printed.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { freePort } from "../tests/process.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "4" },
    write: { type: "boolean", default: false },
    only: { type: "string", default: "plain,acked,storm" },
  },
});
const ONLY = new Set(values.only.split(","));
if (values.write && ONLY.size < 3) throw new Error("--write needs every part: drop --only");
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const MEMBERS = 20;
/** Offered plain-text load: more than any relay here delivers to 20 members. */
const SATURATING = 16_000;

/** The server's flags for a benchmark: limits that would cap the relay itself raised. */
const UDPCHAT_FLAGS = ["--no-discovery", "--rate", "1000", "--max-per-ip", "0"];
const SERVER_PERMISSIONS = (await import("../lib/permissions.ts")).PERMISSIONS["server.ts"];

interface Relay {
  name: string;
  command: (port: number) => string[];
}

interface Running {
  child: Deno.ChildProcess;
  output: string[];
}

async function run(command: string[], stdin: "piped" | "null" = "null"): Promise<string> {
  const output = await new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: ROOT,
    stdin,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

/** Starts a program and waits for its "listening on" line; returns how long that took. */
async function start(command: string[]): Promise<{ running: Running; startup: number }> {
  const began = performance.now();
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const output: string[] = [];
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("listening on")) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`${command.join(" ")} exited before listening`);
    text += value;
  }
  const startup = performance.now() - began;
  output.push(text);
  (async () => {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) return;
      output.push(value);
    }
  })();
  return { running: { child, output }, startup };
}

async function stop({ child }: Running): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // already gone
  }
  await child.status;
}

/** A file under /proc, which Deno reads only with every permission: `cat` may. */
function proc(path: string): Promise<string> {
  return run(["cat", `/proc/${path}`]);
}

/** CPU time (user + system) of a process so far, in ms. */
async function cpuMs(pid: number): Promise<number> {
  const fields = (await proc(`${pid}/stat`)).split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
}

/** Peak and current resident memory of a process, in MB. */
async function memoryMb(pid: number): Promise<{ peak: number; now: number }> {
  const status = await proc(`${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { peak: kb("VmHWM") / 1024, now: kb("VmRSS") / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// --- Build the C programs -------------------------------------------------------------------
const build = await Deno.makeTempDir({ prefix: "udpchat-bench-" });
let cSkip: string | undefined;
try {
  await run(["cc", "-O2", "-o", `${build}/load`, "bench/load/load.c", "-lpthread"]);
  await run(["cc", "-O2", "-o", `${build}/relay`, "bench/load/relay.c"]);
  await run(["cc", "-O2", "-o", `${build}/members`, "bench/load/members.c"]);
} catch (error) {
  cSkip = `no C compiler (${(error as Error).message.split("\n")[0]})`;
}
const hasPython = await run(["python3", "--version"]).then(() => true, () => false);

const udpchat = (extra: string[] = []) => (port: number) => [
  Deno.execPath(),
  "run",
  ...SERVER_PERMISSIONS,
  "server.ts",
  "--host",
  "127.0.0.1",
  "--port",
  String(port),
  ...UDPCHAT_FLAGS,
  ...extra,
];
const relays: Relay[] = [
  ...(hasPython
    ? [{
      name: "Python (the tutorial)",
      command: (p: number) => ["python3", "bench/load/tutorial.py", String(p)],
    }]
    : []),
  ...(cSkip ? [] : [{ name: "C relay", command: (p: number) => [`${build}/relay`, String(p)] }]),
  {
    // What a Deno relay costs before any of the server's own work: the gap the server could close.
    name: "Deno floor (relay only)",
    command: (p: number) => [
      Deno.execPath(),
      "run",
      "--unstable-net",
      "--allow-net",
      "--allow-ffi",
      "bench/load/floor_relay.ts",
      String(p),
    ],
  },
  { name: "udpchat, sendmmsg", command: udpchat() },
  { name: "udpchat, portable send", command: udpchat(["--portable-send"]) },
];

interface PlainResult {
  delivered: number;
  p99_us: number;
}

async function plain(relay: Relay, rate: number): Promise<PlainResult> {
  const port = freePort();
  const { running } = await start(relay.command(port));
  try {
    const out = await run([
      `${build}/load`,
      String(port),
      String(MEMBERS),
      String(MEMBERS),
      String(SECONDS),
      String(rate),
    ]);
    return JSON.parse(out);
  } finally {
    await stop(running);
  }
}

// --- Plain-text fan-out, interleaved rounds -------------------------------------------------
const saturated = new Map<string, PlainResult[]>();
const paced = new Map<string, PlainResult[]>();
if (!cSkip && ONLY.has("plain")) {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const relay of relays) {
      const result = await plain(relay, SATURATING);
      saturated.set(relay.name, [...(saturated.get(relay.name) ?? []), result]);
      const steady = await plain(relay, 1000);
      paced.set(relay.name, [...(paced.get(relay.name) ?? []), steady]);
      console.error(
        `round ${round}: ${relay.name}: ${Math.round(result.delivered / SECONDS)} deliveries/s` +
          ` saturated; p99 ${steady.p99_us} µs at 1,000 lines/s`,
      );
    }
  }
}

// --- udpchat's acknowledged (v2) fan-out ----------------------------------------------------
/**
 * Who the members are: `bench/load/members.c` (one C process with epoll and recvmmsg, so that the
 * server is what is measured), or real sessions (`bench/v1_members.ts`, 4 Deno processes).
 */
type MemberLoad = "c" | "sessions";

interface AckedResult {
  load: MemberLoad;
  members: number;
  deliveries: number;
  perSecond: number;
  cpuUsPerFrame: number;
  /** The same load's first pass, through a server that had not run it yet. */
  coldCpuUsPerFrame: number;
  retransmitShare: number;
}

/** Starts member processes, `per` members each; resolves once all are in. */
async function memberProcesses(
  port: number,
  total: number,
  per: number,
  send: number,
  load: MemberLoad = "sessions",
) {
  const expect = total * send;
  const processes: Array<{
    child: Deno.ChildProcess;
    lines: ReadableStreamDefaultReader<string>;
    writer: WritableStreamDefaultWriter<Uint8Array>;
  }> = [];
  for (let joined = 0; joined < total; joined += per) {
    const count = Math.min(per, total - joined);
    const args = [String(port), String(count), String(expect), String(send)];
    const child = new Deno.Command(load === "c" ? `${build}/members` : Deno.execPath(), {
      args: load === "c" ? args : ["run", "--allow-net", "bench/v1_members.ts", ...args],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const writer = child.stdin.getWriter();
    processes.push({ child, lines, writer });
  }
  const next = async (lines: ReadableStreamDefaultReader<string>) => {
    let text = "";
    while (!text.includes("\n")) text += (await lines.read()).value ?? "";
    return text.trim();
  };
  const ready = await Promise.all(processes.map((p) => next(p.lines)));
  const joined = ready.reduce((sum, line) => sum + Number(line.split(" ")[1]), 0);
  const restarted = ready.reduce((sum, line) => sum + Number(line.split(" ")[3] ?? 0), 0);
  return {
    joined,
    restarted,
    go: async () => {
      const started = performance.now();
      for (const p of processes) await p.writer.write(new TextEncoder().encode("go\n"));
      await Promise.all(processes.map((p) => next(p.lines)));
      return performance.now() - started;
    },
    leave: async () => {
      for (const p of processes) {
        await p.writer.write(new TextEncoder().encode("leave\n"));
        await p.writer.close();
      }
      await Promise.all(processes.map((p) => p.child.status));
    },
  };
}

async function acked(members: number, send: number, load: MemberLoad): Promise<AckedResult> {
  const port = freePort();
  const { running } = await start(udpchat(["--max-members", "2000"])(port));
  try {
    const per = load === "c" ? members : Math.ceil(members / 4);
    // Two passes of the same load, each with its own members: the first through a server that has
    // not run it yet (V8 compiles its hot code then, once per process), the second as a server
    // that has been up a while runs it. The second is the figure; both are reported.
    const pass = async () => {
      const group = await memberProcesses(port, members, per, send, load);
      const cpuBefore = await cpuMs(running.child.pid);
      const ms = await group.go();
      const cpu = await cpuMs(running.child.pid) - cpuBefore;
      await group.leave();
      return { ms, cpu };
    };
    const cold = await pass();
    const { ms, cpu } = await pass();
    await stop(running);
    const last = running.output.join("").trim().split("\n").at(-1) ?? "";
    const sent = Number(/(\d+) stream frames sent/.exec(last)?.[1] ?? 0);
    const retransmitted = Number(/(\d+) retransmitted/.exec(last)?.[1] ?? 0);
    const deliveries = members * members * send;
    return {
      load,
      members,
      deliveries,
      perSecond: deliveries / (ms / 1000),
      cpuUsPerFrame: (cpu * 1000) / deliveries,
      coldCpuUsPerFrame: (cold.cpu * 1000) / deliveries,
      retransmitShare: sent > 0 ? retransmitted / sent : 0,
    };
  } finally {
    await stop(running);
  }
}

const ackedRounds = new Map<string, AckedResult[]>();
if (ONLY.has("acked")) {
  if (cSkip) console.error(`acknowledged fan-out with real sessions only: ${cSkip}`);
  // Interleaved rounds, as for plain text: a single run of each swung by 20% between suite runs.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const load of cSkip ? ["sessions" as const] : ["c" as const, "sessions" as const]) {
      // 200,000 deliveries each: long enough to measure the server working, not starting.
      for (const [members, send] of [[20, 500], [200, 5]]) {
        const r = await acked(members, send, load);
        const key = `${members} ${load}`;
        ackedRounds.set(key, [...(ackedRounds.get(key) ?? []), r]);
        console.error(
          `round ${round}: acknowledged, ${r.members} members (${load}): ` +
            `${Math.round(r.perSecond)} deliveries/s, ${
              r.cpuUsPerFrame.toFixed(1)
            } µs server CPU per frame (first pass ${r.coldCpuUsPerFrame.toFixed(1)} µs)`,
        );
      }
    }
  }
}

// --- 1,000 members: join storm, idle cost, start-up -----------------------------------------
const SETTLE_S = 30;
const IDLE_S = 20;
const stormLoad: MemberLoad = cSkip ? "sessions" : "c";
const stormResult = ONLY.has("storm") ? await joinStorm() : undefined;

async function joinStorm() {
  const stormPort = freePort();
  const { running: storm, startup } = await start(udpchat(["--max-members", "2000"])(stormPort));
  const stormStart = performance.now();
  const stormCpuBefore = await cpuMs(storm.child.pid);
  // One C process when there is a compiler: 1,000 sessions in 4 Deno processes need more of the
  // two cores than the server does, and the storm would measure them.
  const thousand = stormLoad === "c"
    ? await memberProcesses(stormPort, 1000, 1000, 0, "c")
    : await memberProcesses(stormPort, 1000, 250, 0);
  const stormMs = performance.now() - stormStart;
  const stormCpu = await cpuMs(storm.child.pid) - stormCpuBefore;
  const stormJoined = thousand.joined;
  const stormRestarted = thousand.restarted;
  const stormPeak = (await memoryMb(storm.child.pid)).peak;
  // Idle means settled: the storm's retransmissions and acknowledgements are over, sessions that
  // clients gave up have timed out (30 s), and every member has pinged once since the last arrival
  // and so been given the room's ping slot (5 s, then one interval: 15 s for 1,000).
  await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
  const idleCpuBefore = await cpuMs(storm.child.pid);
  await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
  const idleCpu = (await cpuMs(storm.child.pid) - idleCpuBefore) / (IDLE_S * 10); // % of a core
  const idleRss = (await memoryMb(storm.child.pid)).now;
  await thousand.leave();
  await stop(storm);
  console.error(
    `1,000 members: ${stormJoined} joined in ${Math.round(stormMs)} ms, peak ${
      stormPeak.toFixed(0)
    } MB`,
  );
  return { startup, stormMs, stormCpu, stormJoined, stormRestarted, stormPeak, idleCpu, idleRss };
}

// --- Report -----------------------------------------------------------------------------------
const rows: string[] = [];
const deliveriesPerSecond = (name: string) =>
  median((saturated.get(name) ?? []).map((r) => r.delivered / SECONDS));
const python = relays.find((r) => r.name.startsWith("Python"))?.name;
const c = relays.find((r) => r.name === "C relay")?.name;
if (cSkip) {
  rows.push(`Plain-text rows skipped: ${cSkip}.`, "");
} else if (ONLY.has("plain")) {
  rows.push(
    `Plain-text fan-out, ${MEMBERS} members all sending (${
      SATURATING.toLocaleString("en")
    } lines/s offered), ` +
      `median of ${ROUNDS} interleaved rounds of ${SECONDS} s:`,
    "",
    "| relay | deliveries/s | vs Python | vs C | p99 at saturation | p99 at 1,000 lines/s |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const relay of relays) {
    const rate = deliveriesPerSecond(relay.name);
    const ratio = (other?: string) =>
      other ? `${(rate / deliveriesPerSecond(other)).toFixed(2)}×` : "—";
    const p99s = median((saturated.get(relay.name) ?? []).map((r) => r.p99_us / 1000));
    const p99 = median((paced.get(relay.name) ?? []).map((r) => r.p99_us / 1000));
    rows.push(
      `| ${relay.name} | ${Math.round(rate).toLocaleString("en")} | ${ratio(python)} | ${
        ratio(c)
      } | ` +
        `${p99s.toFixed(1)} ms | ${p99.toFixed(2)} ms |`,
    );
  }
  // A relay that delivered all that was offered was not saturated: its ratios are lower bounds.
  const offered = SATURATING * (MEMBERS - 1);
  const unsaturated = relays.filter((relay) => deliveriesPerSecond(relay.name) >= 0.99 * offered);
  if (unsaturated.length > 0) {
    rows.push(
      "",
      `Delivered all that was offered (${offered.toLocaleString("en")} a second): ` +
        `${unsaturated.map((relay) => relay.name).join(", ")}; their ratios are lower bounds.`,
    );
  }
  rows.push("");
}
if (ackedRounds.size > 0) {
  const cRate = c && ONLY.has("plain") ? deliveriesPerSecond(c) : undefined;
  rows.push(
    "udpchat's acknowledged (v2) fan-out — every frame acknowledged, 100% delivered; the members " +
      "are `bench/load/members.c` (one C process, so that the server is what is measured) or real " +
      `sessions (\`bench/v1_members.ts\`, 4 Deno processes on the same cores); median of ${ROUNDS} ` +
      "interleaved rounds, the range of the CPU per frame in parentheses. Each round runs the load " +
      "twice through one server, with new members: the figures are the second pass's, as a " +
      "server that has been up a while runs it; the first pass, which includes V8 compiling the " +
      "server's hot code (once per process), is in the last column. Retransmissions are of both:",
    "",
    "| members | load | deliveries | deliveries/s | vs C relay | server CPU per delivered frame | retransmitted | first pass |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const results of ackedRounds.values()) {
    const { members, load, deliveries } = results[0];
    const rate = median(results.map((r) => r.perSecond));
    const cpu = results.map((r) => r.cpuUsPerFrame);
    const ratio = load === "c" && cRate ? `${(rate / cRate).toFixed(2)}×` : "—";
    rows.push(
      `| ${members} | ${load === "c" ? "C" : "sessions"} | ${deliveries.toLocaleString("en")} | ` +
        `${Math.round(rate).toLocaleString("en")} | ${ratio} | ${median(cpu).toFixed(1)} µs ` +
        `(${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}) | ` +
        `${(median(results.map((r) => r.retransmitShare)) * 100).toFixed(1)}% | ` +
        `${median(results.map((r) => r.coldCpuUsPerFrame)).toFixed(1)} µs |`,
    );
  }
  rows.push("");
}
if (stormResult) {
  const { stormJoined, stormRestarted, stormMs, stormCpu, stormPeak, idleCpu, idleRss, startup } =
    stormResult;
  const gaveUp = stormRestarted === 0
    ? ""
    : ` (${stormRestarted} clients gave up after 5 s without an answer and were started again)`;
  rows.push(
    `1,000 members (${stormLoad === "c" ? "one C process" : "4 processes of 250"}): ${
      stormJoined === 1000 ? "all joined" : `only ${stormJoined} joined (the suite waits 30 s)`
    } in ${(stormMs / 1000).toFixed(1)} s${gaveUp}, using ${
      (stormCpu / 1000).toFixed(1)
    } s of the server's CPU (the members share the ${navigator.hardwareConcurrency} cores with it), peak RSS ` +
      `${stormPeak.toFixed(0)} MB; then idle (${IDLE_S} s, from ${SETTLE_S} s after): ${
        idleCpu.toFixed(1)
      }% of a core and ${idleRss.toFixed(0)} MB RSS. ` +
      `Start-up to "listening": ${Math.round(startup)} ms.`,
  );
}
const report = rows.join("\n");
console.log(report);

if (values.write) {
  const cpu = /model name\s*:\s*(.*)/.exec(await proc("cpuinfo"))?.[1] ??
    "unknown CPU";
  const cores = navigator.hardwareConcurrency;
  const kernel = Deno.osRelease();
  const date = new Date().toISOString().slice(0, 10);
  const page = Deno.readTextFileSync(`${ROOT}docs/PERFORMANCE.md`);
  const start = "<!-- results -->";
  const end = "<!-- /results -->";
  const results =
    `${start}\nMeasured ${date} on ${cpu}, ${cores} cores, Linux ${kernel}, Deno ${Deno.version.deno}` +
    ` (\`deno task bench --write\`):\n\n${report}\n${end}`;
  Deno.writeTextFileSync(
    `${ROOT}docs/PERFORMANCE.md`,
    page.slice(0, page.indexOf(start)) + results + page.slice(page.indexOf(end) + end.length),
  );
  await run([Deno.execPath(), "fmt", "docs/PERFORMANCE.md"]); // tables aligned, as `deno fmt --check` wants
  console.error("docs/PERFORMANCE.md updated");
}
await Deno.remove(build, { recursive: true });
