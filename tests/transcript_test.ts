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
  const { events, skipped, epoch } = parseTranscript(text);
  deepEqual(events.map((e) => e.seq), [1, 2]);
  equal(skipped, 1);
  equal(epoch, "ab12");
});

Deno.test("TranscriptFile appends events and keeps its epoch across reopening", () => {
  const path = Deno.makeTempFileSync({ suffix: ".jsonl" });
  try {
    const first = TranscriptFile.open(path, "first");
    equal(first.epoch, "first");
    first.file.append({ type: "msg", seq: 1, from: "ann", text: "你好", time: 1, history: true });
    first.file.close();
    const second = TranscriptFile.open(path, "second");
    second.file.close();
    equal(second.epoch, "first");
    deepEqual(second.events, [{ type: "msg", seq: 1, from: "ann", text: "你好", time: 1 }]);
  } finally {
    Deno.removeSync(path);
  }
});
