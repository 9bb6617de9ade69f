/**
 * Counts the UDP datagrams and bytes arriving at HOST:PORT for MS milliseconds,
 * then prints them as JSON: the victim's side of the amplification tests.
 *
 * Usage: deno run --unstable-net --allow-net tests/tools/count_udp.ts HOST PORT MS
 */

const [hostname, port, ms] = Deno.args;
const conn = Deno.listenDatagram({ transport: "udp", hostname, port: Number(port) });
console.log("listening");
let bytes = 0;
let datagrams = 0;
const samples: string[] = [];
setTimeout(() => conn.close(), Number(ms));
try {
  for (;;) {
    const [data] = await conn.receive();
    bytes += data.length;
    datagrams++;
    if (samples.length < 3) samples.push(new TextDecoder().decode(data).slice(0, 200));
  }
} catch {
  // closed: time is up
}
console.log(JSON.stringify({ bytes, datagrams, samples }));
