import { deepEqual, equal, ok } from "node:assert/strict";
import {
  Beacon,
  broadcastAddress,
  encodeProbe,
  probeTargets,
  ServerFinder,
} from "../lib/discovery.ts";

const from = { hostname: "10.0.0.7", port: 5000 };
const decode = (data: Uint8Array) => JSON.parse(new TextDecoder().decode(data));

Deno.test("Beacon answers a probe after a 10–60 ms jitter, never with more bytes than the probe", () => {
  for (const jitter of [0, 0.999]) {
    const beacon = new Beacon(() => ({ name: "lab", port: 9999, members: 0 }), () => jitter);
    beacon.receive(encodeProbe("n0"), from, 1000);
    const due = beacon.deadline()!;
    ok(due >= 1010 && due <= 1060, `due at ${due}`);
    beacon.tick(due - 1);
    equal(beacon.poll().transmits.length, 0, "not before the jitter");
  }
  const beacon = new Beacon(() => ({ name: "Networks 101", port: 9999, members: 3 }), () => 0.5);
  const probe = encodeProbe("n1");
  beacon.receive(probe, from, 1000);
  beacon.tick(1060);
  const [reply] = beacon.poll().transmits;
  ok(reply.data.length <= probe.length);
  deepEqual(decode(reply.data), {
    udpchat: 2,
    type: "server",
    nonce: "n1",
    name: "Networks 101",
    port: 9999,
    members: 3,
  });
});

Deno.test("Beacon shortens a long room name to fit the probe, and ignores probes too small to answer", () => {
  const beacon = new Beacon(() => ({ name: "名".repeat(200), port: 9999, members: 0 }), () => 0);
  const probe = encodeProbe("n2");
  beacon.receive(probe, from, 0);
  beacon.tick(100);
  const [reply] = beacon.poll().transmits;
  ok(reply.data.length <= probe.length);
  ok(decode(reply.data).name.endsWith("…"));
  beacon.receive(new TextEncoder().encode('{"udpchat":2,"type":"discover","nonce":"n"}'), from, 0);
  beacon.tick(100);
  equal(beacon.poll().transmits.length, 0);
});

Deno.test("Beacon ignores other versions, other frames and floods", () => {
  const beacon = new Beacon(() => ({ name: "lab", port: 9999, members: 0 }), () => 0);
  const other = new TextEncoder().encode(
    new TextDecoder().decode(encodeProbe("n")).replace('"udpchat":2', '"udpchat":3'),
  );
  beacon.receive(other, from, 0);
  beacon.receive(new TextEncoder().encode("hello"), from, 0);
  for (let i = 0; i < 20; i++) beacon.receive(encodeProbe(`n${i}`), from, 0);
  beacon.tick(1000);
  equal(beacon.poll().transmits.length, 5);
  deepEqual(beacon.stats, { answered: 5, ignored: 17 });
});

Deno.test("ServerFinder probes in rounds, collects each server once, ignores stray replies", () => {
  const targets = probeTargets(["10.1.2.3/24", "127.0.0.1/8"]);
  deepEqual(targets.map((t) => t.hostname), [
    "255.255.255.255",
    "239.255.99.98",
    "10.1.2.255",
    "127.255.255.255",
  ]);
  const finder = new ServerFinder(targets, 0, "abc");
  equal(finder.poll().transmits.length, 4);
  const reply = (nonce: string) =>
    new TextEncoder().encode(
      JSON.stringify({ udpchat: 2, type: "server", nonce, name: "lab", port: 9999, members: 2 }),
    );
  finder.receive(reply("abc"), { hostname: "10.1.2.9", port: 9998 }, 10);
  finder.receive(reply("abc"), { hostname: "10.1.2.9", port: 9998 }, 20);
  finder.receive(reply("other"), { hostname: "10.1.2.8", port: 9998 }, 20);
  deepEqual(finder.servers, [{
    name: "lab",
    address: { hostname: "10.1.2.9", port: 9999 },
    members: 2,
  }]);
  finder.tick(300);
  equal(finder.poll().transmits.length, 4);
  finder.tick(2000);
  equal(finder.deadline(), undefined);
});

Deno.test("ServerFinder lists servers by room name, then address, however the replies raced", () => {
  const reply = (name: string) =>
    new TextEncoder().encode(
      JSON.stringify({ udpchat: 2, type: "server", nonce: "abc", name, port: 9999, members: 0 }),
    );
  const listed = (order: Array<[string, string]>) => {
    const finder = new ServerFinder([], 0, "abc");
    for (const [name, hostname] of order) finder.receive(reply(name), { hostname, port: 9998 }, 10);
    return finder.servers.map((s) => `${s.name} ${s.address.hostname}`);
  };
  const replies: Array<[string, string]> = [
    ["physics", "10.0.0.2"],
    ["Chemistry", "10.0.0.10"],
    ["chemistry", "10.0.0.9"],
  ];
  const expected = ["chemistry 10.0.0.9", "Chemistry 10.0.0.10", "physics 10.0.0.2"];
  deepEqual(listed(replies), expected);
  deepEqual(listed([...replies].reverse()), expected);
});

Deno.test("broadcastAddress() computes subnet broadcast addresses", () => {
  equal(broadcastAddress("192.168.1.20/24"), "192.168.1.255");
  equal(broadcastAddress("10.0.0.1/8"), "10.255.255.255");
  equal(broadcastAddress("172.16.5.4/20"), "172.16.15.255");
  equal(broadcastAddress("10.0.0.1/32"), undefined);
});
