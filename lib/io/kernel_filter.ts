/**
 * A classic BPF socket filter (`SO_ATTACH_FILTER`, as `tcpdump` uses) that
 * has the kernel drop datagrams from a short list of IPv4 sources before
 * they reach the socket's queue: a flooder shed by the room then costs the
 * server no receive at all. This module only writes the filter's
 * instructions; `batch_send.ts` hands them to the kernel, which checks them
 * before it runs them (a filter cannot loop or read outside the packet).
 *
 * The filter sees a datagram from its UDP header on; the IP header is
 * reached through the kernel's `SKF_NET_OFF` base. For each listed source
 * it compares the IPv4 source address, then the UDP source port: a match
 * returns 0 (drop), and a datagram that matches none is kept whole.
 *
 * @module
 */

/** A source to drop: IPv4 address as a number (`10.0.0.1` is `0x0a000001`) and UDP port. */
export interface Ipv4Source {
  /** The address, as a 32-bit number. */
  ip: number;
  /** The UDP port. */
  port: number;
}

/** Size of one `struct sock_filter`: a 16-bit code, two 8-bit jumps, a 32-bit constant. */
export const INSTRUCTION_BYTES = 8;
/** Where the kernel maps the network (IP) header for a filter's loads. */
const SKF_NET_OFF = -0x100000;
/** IPv4's source address, in its header. */
const IPV4_SOURCE = 12;

// The instructions used, from linux/filter.h.
const LD_W_ABS = 0x20; // A = 32-bit word at k
const LDH_ABS = 0x28; // A = 16-bit word at k
const LD_MEM = 0x60; // A = M[k]
const ST = 0x02; // M[k] = A
const TAX = 0x07; // X = A
const TXA = 0x87; // A = X
const JEQ_K = 0x15; // A == k ? skip jt : skip jf
const RET_K = 0x06; // return k bytes of the packet (0: drop)

/**
 * Writes the filter that drops datagrams from `sources` and keeps the rest.
 *
 * @param sources The sources to drop (a few dozen at most: each takes 5 instructions).
 * @returns The instructions, as `struct sock_filter[]` in the machine's byte order (little-endian).
 *
 * @example Usage
 * ```ts
 * import { dropFilter, INSTRUCTION_BYTES } from "./kernel_filter.ts";
 * import { equal } from "node:assert/strict";
 *
 * const filter = dropFilter([{ ip: 0x7f000001, port: 40000 }]);
 * equal(filter.length / INSTRUCTION_BYTES, 4 + 5 + 1);
 * ```
 */
export function dropFilter(sources: readonly Ipv4Source[]): Uint8Array<ArrayBuffer> {
  const program: [number, number, number, number][] = [
    [LD_W_ABS, 0, 0, SKF_NET_OFF + IPV4_SOURCE], // A = source address
    [ST, 0, 0, 0], // M[0] = A
    [LDH_ABS, 0, 0, 0], // A = source port (the UDP header's first field)
    [TAX, 0, 0, 0], // X = A
  ];
  for (const { ip, port } of sources) {
    program.push(
      [LD_MEM, 0, 0, 0], // A = source address
      [JEQ_K, 0, 3, ip], // another address: on to the next source
      [TXA, 0, 0, 0], // A = source port
      [JEQ_K, 0, 1, port], // another port: on to the next source
      [RET_K, 0, 0, 0], // this source: drop
    );
  }
  program.push([RET_K, 0, 0, 0xffff_ffff]); // no source matched: keep it all
  // Off V8's heap (over 64 bytes), so that its address stays put while the kernel reads it.
  const bytes = new Uint8Array(new ArrayBuffer(Math.max(128, program.length * INSTRUCTION_BYTES)));
  const view = new DataView(bytes.buffer);
  program.forEach(([code, jt, jf, k], i) => {
    const at = i * INSTRUCTION_BYTES;
    view.setUint16(at, code, true);
    view.setUint8(at + 2, jt);
    view.setUint8(at + 3, jf);
    view.setUint32(at + 4, k >>> 0, true);
  });
  return bytes.subarray(0, program.length * INSTRUCTION_BYTES);
}
