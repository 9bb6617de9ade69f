/**
 * What durability would cost: `deno bench --allow-read --allow-write
 * bench/transcript_bench.ts`. The transcript hands each event to the
 * operating system before anything about it is sent (it survives the server
 * crashing, not the computer losing power); forcing it to the disk with
 * fsync after each event is the alternative measured against it.
 */

import { TranscriptFile } from "../lib/io/transcript_file.ts";
import { transcriptLine } from "../lib/transcript.ts";

const dir = Deno.makeTempDirSync({ prefix: "udpchat-bench-" });
const { file } = TranscriptFile.open(`${dir}/room.jsonl`, "bench");
const synced = Deno.openSync(`${dir}/synced.jsonl`, { append: true, create: true });
const encoder = new TextEncoder();
let seq = 0;
const event = () => ({
  type: "msg" as const,
  seq: ++seq,
  from: "alice",
  text: "a typical chat line of about sixty characters, give or take",
  time: Date.now(),
  id: `q7-${seq}`,
});

Deno.bench("append an event (handed to the OS)", { group: "transcript", baseline: true }, () => {
  file.append(event(), "10.0.0.7:50122");
});

Deno.bench("append an event and fsync it", { group: "transcript" }, () => {
  synced.writeSync(encoder.encode(transcriptLine(event(), "10.0.0.7:50122") + "\n"));
  synced.syncSync();
});

globalThis.addEventListener("unload", () => {
  file.close();
  synced.close();
  Deno.removeSync(dir, { recursive: true });
});
