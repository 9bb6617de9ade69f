import { deepEqual, equal, ok } from "node:assert/strict";
import { ACK_DELAY, RECEIVE_AHEAD, StreamReceiver, StreamSender } from "../lib/stream.ts";
import { seeded } from "./sim.ts";

Deno.test("StreamSender keeps at most a window of payloads in flight", () => {
  const sender = new StreamSender<number>({ window: 3 });
  for (let i = 1; i <= 5; i++) sender.push(i);
  deepEqual(sender.transmit(0).map(([n]) => n), [1, 2, 3]);
  deepEqual(sender.transmit(1), []);
  sender.ack(2, [], 5);
  deepEqual(sender.transmit(5).map(([n]) => n), [4, 5]);
});

Deno.test("StreamSender retransmits only what is unacknowledged, with backoff", () => {
  const sender = new StreamSender<string>({ initialRto: 100, minRto: 100, maxRto: 1000 });
  sender.push("a");
  sender.push("b");
  sender.push("c");
  sender.transmit(0);
  sender.ack(0, [2], 10); // b arrived; a, sent no later, is presumed lost and goes again at once
  deepEqual(sender.transmit(10), [[1, "a"]]);
  equal(sender.deadline(), 100); // c waits for its timeout
  deepEqual(sender.transmit(100), [[3, "c"]]);
  equal(sender.deadline(), 210); // a's second try waits twice as long
  deepEqual(sender.transmit(209), []);
});

Deno.test("StreamSender sends a peer that stops acknowledging its window once, then one frame per timeout", () => {
  const sender = new StreamSender<number>({ initialRto: 100, minRto: 100, maxRto: 500 });
  for (let i = 0; i < 32; i++) sender.push(i);
  equal(sender.transmit(0).length, 32);
  equal(sender.transmit(100).length, 32); // the first timeout: every frame may have been lost
  const again: number[] = [];
  for (let now = 110; now <= 10_000; now += 10) {
    again.push(...sender.transmit(now).map(([n]) => n));
  }
  // Then only the oldest, backing off (300, 700, 1,200 ms, then every 500 ms): about 20 in 10 s.
  ok(again.length <= 22, `${again.length} retransmissions`);
  ok(again.every((n) => n === 1));
  // An ack ends it: the peer is alive, and each frame has its own timer again.
  sender.ack(1, [], 10_000);
  equal(sender.transmit(10_500).length, 31);
});

Deno.test("StreamSender holds retransmissions by timeout when told, not those presumed lost", () => {
  const sender = new StreamSender<string>({ initialRto: 100 });
  for (const payload of ["a", "b", "c"]) sender.push(payload);
  sender.transmit(0);
  sender.holdTimeouts(150); // its owner has input to read first
  equal(sender.deadline(), 150);
  deepEqual(sender.transmit(120), []);
  sender.ack(0, [2], 130); // b arrived: a, sent no later, is presumed lost and goes at once
  deepEqual(sender.transmit(130), [[1, "a"]]);
  const due = sender.deadline()!; // c's own timeout (the ack measured a round trip), after the hold
  ok(due >= 150, `${due}`);
  deepEqual(sender.transmit(due), [[3, "c"]]);
});

Deno.test("StreamSender ignores acks for numbers it never sent", () => {
  const sender = new StreamSender<string>();
  sender.push("a");
  sender.transmit(0);
  equal(sender.ack(5, [], 1), undefined);
  equal(sender.ack(0, [7], 1), undefined);
  equal(sender.unacked, 1);
});

Deno.test("StreamSender measures round trips and drains what is left", () => {
  const sender = new StreamSender<string>();
  sender.push("a");
  sender.push("b");
  sender.transmit(0);
  sender.ack(1, [], 40);
  equal(sender.rtt, 40);
  deepEqual(sender.drain(), [{ payload: "b", sent: true }]);
  equal(sender.unacked, 0);
});

Deno.test("StreamReceiver delivers in order, once, whatever the arrival order", () => {
  const receiver = new StreamReceiver<number>();
  const delivered: number[] = [];
  for (const n of [3, 1, 1, 5, 2, 3, 4, 6]) delivered.push(...receiver.receive(n, n, 0)!);
  deepEqual(delivered, [1, 2, 3, 4, 5, 6]);
  deepEqual(receiver.ack(), { n: 6, sack: [] });
});

Deno.test("StreamReceiver refuses payloads too far ahead", () => {
  const receiver = new StreamReceiver<number>();
  equal(receiver.receive(RECEIVE_AHEAD + 1, 0, 0), undefined);
  deepEqual(receiver.ack(), { n: 0, sack: [] });
});

Deno.test("StreamReceiver coalesces acknowledgements of in-order payloads", () => {
  const receiver = new StreamReceiver<number>();
  receiver.receive(1, 1, 0);
  receiver.receive(2, 2, 3);
  equal(receiver.takeAck(5), undefined);
  equal(receiver.ackDeadline(), ACK_DELAY);
  deepEqual(receiver.takeAck(ACK_DELAY), { n: 2, sack: [] });
  for (let n = 3; n <= 10; n++) receiver.receive(n, n, 20);
  deepEqual(receiver.takeAck(20), { n: 10, sack: [] }); // every 8th goes at once
  receiver.receive(10, 10, 30);
  deepEqual(receiver.takeAck(30), { n: 10, sack: [] }); // a duplicate: the sender missed our ack
});

Deno.test("StreamSender paces a burst with AIMD: grows on acks, halves on loss, never below a floor", () => {
  const sender = new StreamSender<number>({ window: 64, initialRto: 100 });
  for (let i = 1; i <= 2000; i++) sender.push(i);
  const first = sender.transmit(0).length;
  ok(first > 0 && first < 64, `a burst starts below the ceiling: ${first}`);
  // Slow start: a round trip of acks lets the next round be larger…
  sender.ack(first, [], 10);
  const second = sender.transmit(10).length;
  ok(second > first, `${second} > ${first}`);
  // …up to the configured window.
  let acked = first + second;
  sender.ack(acked, [], 20);
  equal(sender.transmit(20).length, 64);
  // One loss in that round: everything after it arrives (sack), the hole goes again at once,
  // and the window halves: the next round is smaller.
  const sack = Array.from({ length: 63 }, (_, i) => acked + 2 + i);
  sender.ack(acked, sack, 30);
  deepEqual(sender.transmit(30).map(([n]) => n), [acked + 1], "only the retransmission");
  acked += 64;
  sender.ack(acked, [], 40);
  const afterLoss = sender.transmit(40).length;
  ok(afterLoss < 64 && afterLoss >= 16, `after a loss: ${afterLoss}`);
  // Losing every round (nothing acknowledged until all timed out) halves it each time, but
  // never below a floor of 16 in flight.
  let now = 1000;
  let burst = afterLoss;
  const sizes: number[] = [];
  for (let round = 0; round < 6; round++) {
    now += 1000;
    sender.transmit(now); // everything in flight timed out: retransmitted, counted as lost
    acked += burst;
    sender.ack(acked, [], now + 1);
    burst = sender.transmit(now + 1).length;
    sizes.push(burst);
  }
  ok(sizes[0] < afterLoss, `halved: ${sizes}`);
  const inFlight = sizes.at(-1)!;
  equal(inFlight, 16, `floor: ${sizes}`);
});

Deno.test("StreamSender delivers every payload once, in order, through bursts, gaps and quiet spells", () => {
  const random = seeded(11);
  const sender = new StreamSender<number>({ window: 64 });
  const receiver = new StreamReceiver<number>();
  const delivered: number[] = [];
  let pushed = 0;
  for (let now = 0; now < 30_000; now += 10) {
    // Up to 1,000 at once every 2 s for 20 s (the ring grows), then quiet (it shrinks again).
    if (now % 2000 === 0 && now < 20_000) {
      for (let i = random() * 1000; i > 0; i--) sender.push(pushed++);
    }
    for (const [n, payload] of sender.transmit(now)) {
      if (random() < 0.3) continue; // lost
      receiver.receive(n, payload, now);
    }
    if (random() < 0.2) continue; // the ack lost
    const { n, sack } = receiver.ack();
    sender.ack(n, sack, now, (payload) => delivered.push(payload));
  }
  equal(sender.unacked, 0);
  deepEqual(delivered, Array.from({ length: pushed }, (_, i) => i));
});

Deno.test("StreamSender gives its times by the caller's clock, a wall clock's as a test's", () => {
  for (const start of [0, 1_764_196_800_000]) {
    const sender = new StreamSender<string>({ initialRto: 100 });
    sender.push("a");
    sender.push("b");
    sender.transmit(start);
    equal(sender.deadline(), start + 100);
    equal(sender.oldestSentAt(), start);
    sender.ack(1, [], start + 20);
    equal(sender.rtt, 20);
    equal(sender.oldestSentAt(), start);
    deepEqual(
      sender.transmit(start + 20 + 200),
      [[2, "b"]],
      "b's own timeout, after the round trip",
    );
  }
});
