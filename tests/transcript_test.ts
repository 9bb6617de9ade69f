import { deepEqual, equal } from "node:assert/strict";
import { TranscriptFile } from "../lib/io/transcript_file.ts";
import { parseTranscript } from "../lib/transcript.ts";

Deno.test("parseTranscript() reads events and the epoch, skipping a line cut short", () => {
  const text = [
    '{"udpchat":"transcript","epoch":"ab12","created":0}',
    '{"type":"join","seq":1,"nick":"ann","time":5}',
    '{"type":"msg","seq":2,"from":"ann","text":"hi","time":6,"id":"x-1"}',
    '{"type":"msg","seq":3,"fr',
  ].join("\n");
  const { entries, skipped, epoch } = parseTranscript(text);
  deepEqual(entries.map((e) => e.event.seq), [1, 2]);
  equal(skipped, 1);
  equal(epoch, "ab12");
});

Deno.test("parseTranscript() skips an edited seq that would jump or exhaust the numbering", () => {
  const join = (seq: string) => `{"type":"join","seq":${seq},"nick":"ann","time":5}`;
  const text = [
    '{"udpchat":"transcript","epoch":"ab12","created":0}',
    join("1"),
    join("1e3"), // whole, but a jump
    join("2"), // follows #1 across the skipped line
    join("9007199254740991"),
    join("2"), // not increasing
    join("2.5"),
    '{"type":"join","seq":5,"ni', // a torn line: the next may be one further
    join("5"),
  ].join("\n");
  const { entries, skipped, problems } = parseTranscript(text);
  deepEqual(entries.map((e) => e.event.seq), [1, 2, 5]);
  equal(skipped, 5);
  deepEqual(problems, [
    "line 3: seq 1000 out of order after #1 (at most 2)",
    "line 5: seq 9007199254740991 out of order after #2 (at most 3)",
    "line 6: seq 2 out of order after #2 (at most 4)",
    "line 7: not a room event",
    "line 8: not a room event",
  ]);
});

Deno.test("parseTranscript() starts from any reasonable seq, not from 2^53 - 1", () => {
  const join = (seq: number) => `{"type":"join","seq":${seq},"nick":"ann","time":5}`;
  deepEqual(parseTranscript(join(700)).entries.map((e) => e.event.seq), [700]);
  equal(parseTranscript(join(2 ** 53 - 1)).entries.length, 0);
  equal(parseTranscript(join(0)).entries.length, 0);
});

Deno.test("TranscriptFile appends events with their id scope and keeps its epoch across reopening", () => {
  const path = Deno.makeTempFileSync({ suffix: ".jsonl" });
  try {
    const first = TranscriptFile.open(path, "first");
    equal(first.epoch, "first");
    const event = { type: "msg", seq: 1, from: "ann", text: "你好", time: 1, id: "q-1" } as const;
    first.file.append({ ...event, history: true }, "10.0.0.2:5000");
    first.file.close();
    const second = TranscriptFile.open(path, "second");
    second.file.close();
    equal(second.epoch, "first");
    // The id's scope (its sender's address) is kept for the server, not in the event members see.
    deepEqual(second.entries, [{
      event: { type: "msg", seq: 1, from: "ann", text: "你好", time: 1, id: "q-1" },
      scope: "10.0.0.2:5000",
    }]);
  } finally {
    Deno.removeSync(path);
  }
});
