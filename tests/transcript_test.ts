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
