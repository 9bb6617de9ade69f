/**
 * The fast send path on Linux: many datagrams per system call (`sendmmsg`,
 * called through Deno's FFI on background threads), on the very socket the
 * server receives on. Everything else — other systems, IPv6, no
 * `--allow-ffi`, any error — uses the portable `Deno.DatagramConn.send`.
 *
 * Memory safety, in brief: the only memory handed to the C library is one
 * `ArrayBuffer` per batch, laid out and filled here (message headers, I/O
 * vectors, IPv4 addresses, then the datagrams, all copied in), kept
 * referenced until the call's promise settles and never written again. The
 * library only reads it; nothing received from the network passes through
 * this module. It also asks the kernel how many bytes wait unread in the
 * socket's receive queue and how many datagrams it dropped (`getsockopt`,
 * `SO_MEMINFO`, into a block of its own): numbers about the socket, never its
 * datagrams. And it attaches a socket filter that drops a short list of
 * flooding sources (`kernel_filter.ts`): the kernel copies and checks the
 * filter's instructions during the call, and runs them on datagrams itself.
 *
 * @module
 */

import type { Address, Transmit } from "../address.ts";
import { isIpv4 } from "../address.ts";
import { InFlight } from "./in_flight.ts";
import { dropFilter, INSTRUCTION_BYTES, type Ipv4Source } from "./kernel_filter.ts";
import type { DatagramArena } from "../datagram_arena.ts";

/** `struct mmsghdr` on 64-bit Linux: a 56-byte `msghdr`, the sent length, padding. */
const MMSGHDR = 64;
/** `struct iovec`: base pointer and length. */
const IOVEC = 16;
/** `struct sockaddr_in`. */
const SOCKADDR_IN = 16;
/** Most messages one `sendmmsg` takes (the kernel's UIO_MAXIOV). */
const MAX_BATCH = 1024;
/**
 * Independent senders: a destination always uses the same one, so its
 * datagrams stay in order. Each call spends nearly all its time in the
 * kernel, so lanes send in parallel even on two cores (saturated fan-out to
 * 20 members, medians of three rounds in one run: 4 lanes 186,000
 * deliveries/s, 8 lanes 205,000; 2 lanes, always in the background, 130,000
 * in another).
 */
const LANES = 8;
const AF_INET = 2;
/**
 * While the server is lightly loaded, batches up to this size are sent at
 * once on the main thread: a thread hop costs more latency than it saves
 * (p99 at 1,000 lines/s × 20 members: 1.4–1.8 ms here, 2.3–5 ms on
 * threads). Larger ones — history for a joiner, a tick's retransmissions —
 * go to a background thread.
 */
const SMALL_BATCH = 64;
/**
 * Datagrams in a {@linkcode BUSY_WINDOW} from which everything goes to the
 * lanes during the next: 50,000 a second, at about 5 µs of kernel time each,
 * would keep the main thread a quarter busy inside `sendmmsg` alone.
 */
const BUSY_DATAGRAMS = 500;
/** How often the load is judged, in ms. */
const BUSY_WINDOW = 10;
/** A lane's memory to begin with, and what it goes back to once the lanes are idle. */
const LANE_MEMORY = 64 * 1024;
/**
 * How long the lanes go unused before memory a burst grew is given back, in
 * ms: a 1,000-member join storm grows each lane to about a megabyte, which
 * an idle room would otherwise keep for good.
 */
const SHRINK_AFTER = 5_000;
/**
 * Bytes waiting for the lanes or in their calls beyond which the socket
 * loop stops reading until they are down to half of it
 * ({@linkcode BatchSender.drained}). Without a bound, a 1,000-member join
 * storm, whose answers (each joiner's member list and history) are made
 * faster than two cores send them, queued up to 4 MB, and each byte that
 * waits is held twice: copied out of the machine's arena, then laid out for
 * its call.
 */
const BACKLOG_BYTES = 512 * 1024;
const SOL_SOCKET = 1;
const SO_TYPE = 3;
const SOCK_DGRAM = 2;
const SO_RCVBUF = 8;
/** Like SO_RCVBUF, past the system's limit (`net.core.rmem_max`); needs CAP_NET_ADMIN. */
const SO_RCVBUFFORCE = 33;
/** The socket's memory use; its first number is the bytes waiting in the receive queue. */
const SO_MEMINFO = 55;
/** What `SO_MEMINFO` gives: nine 32-bit numbers (SK_MEMINFO_VARS). */
const MEMINFO_BYTES = 9 * 4;
/** Where `SO_MEMINFO` counts the datagrams the socket dropped (SK_MEMINFO_DROPS). */
const MEMINFO_DROPS = 8 * 4;
/** Attaches a classic BPF filter to the socket; detaches it. */
const SO_ATTACH_FILTER = 26;
const SO_DETACH_FILTER = 27;
/** `struct sock_fprog`: the instruction count, padding, a pointer to the instructions. */
const SOCK_FPROG = 16;

// `sendmmsg` takes a pointer found once per block of memory, not a buffer: Deno finds a buffer's
// address on every call, and between datagrams of an idle room that is most of the call's cost
// (one call: ~6 µs with a pointer, ~23 µs with a buffer, plus ~30 µs to find it, measured here).
const SYMBOLS = {
  sendmmsg: { parameters: ["i32", "pointer", "u32", "i32"], result: "i32", nonblocking: true },
  sendmmsgHere: { name: "sendmmsg", parameters: ["i32", "pointer", "u32", "i32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockoptAt: {
    name: "getsockopt",
    parameters: ["i32", "i32", "i32", "pointer", "pointer"],
    result: "i32",
  },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>;

/** A datagram waiting in a lane: the caller's own object, or a copy once it had to wait. */
type Queued = Transmit;

/**
 * Where a lane keeps copies of datagrams that wait for its call in flight,
 * made when the caller will write over its own memory once `flush` returns.
 */
interface Kept {
  bytes: Uint8Array;
  at: number;
}

/**
 * Memory a batch is laid out in, with its address. An ArrayBuffer of more
 * than 64 bytes lives off V8's heap and never moves, so the address found
 * when it is made stays true while `bytes` is referenced.
 */
interface Block {
  bytes: Uint8Array<ArrayBuffer>;
  pointer: Deno.PointerObject;
  /** The address as a number, for the pointers inside the batch. */
  base: number;
  view: DataView;
}

function allocate(size: number): Block {
  const bytes = new Uint8Array(new ArrayBuffer(Math.max(size, 128)));
  const pointer = Deno.UnsafePointer.of(bytes)!;
  const base = Number(Deno.UnsafePointer.value(pointer));
  return { bytes, pointer, base, view: new DataView(bytes.buffer) };
}

/**
 * Sends datagrams in batches on the socket behind a `Deno.DatagramConn`.
 *
 * @example Usage
 * ```ts ignore
 * const conn = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 9999 });
 * const sender = BatchSender.open(conn, (to, data) => conn.send(data, { transport: "udp", ...to }));
 * if (typeof sender === "string") console.log(`portable send path: ${sender}`);
 * ```
 */
export class BatchSender {
  readonly #libc: Libc;
  readonly #fd: number;
  readonly #portable: (to: Address, data: Uint8Array) => void;
  readonly #lanes: Queued[][] = Array.from({ length: LANES }, () => []);
  readonly #busy: boolean[] = new Array(LANES).fill(false);
  readonly #calls = new InFlight();
  /** Bytes of the datagrams queued on lanes or in their calls, and who waits for them to drain. */
  #backlog = 0;
  #draining: Array<() => void> = [];
  /** Datagrams sent in the current load window, and whether the last one was busy. */
  readonly #window = { start: 0, count: 0, busy: false };
  /**
   * Memory for batches, reused call after call: one for calls on this thread
   * (over when they return), and one per lane for background calls (a lane
   * has one call at a time, and its memory is not touched until it is over).
   */
  #scratch = allocate(LANE_MEMORY);
  /** Where `getsockopt` writes the socket's memory use (at 0), and its length (at 64). */
  readonly #memInfo = allocate(128);
  readonly #memInfoLength = Deno.UnsafePointer.offset(this.#memInfo.pointer, 64)!;
  readonly #laneMemory: Block[] = Array.from({ length: LANES }, () => allocate(LANE_MEMORY));
  /** Each lane's copies of what waits for it, made when first needed. */
  readonly #kept: Array<Kept | undefined> = new Array(LANES).fill(undefined);
  /** How many datagrams at the front of each lane's queue `flush` has looked at (and copied if it had to). */
  readonly #looked: number[] = new Array(LANES).fill(0);
  /** When a background call was last made (by the load window's clock), and whether a lane grew. */
  #lanesUsedAt = 0;
  #lanesGrown = false;
  /** System calls made (of them, on background threads), and datagrams they sent. */
  readonly counters = { calls: 0, background: 0, datagrams: 0, fallbacks: 0 };

  private constructor(
    libc: Libc,
    fd: number,
    portable: (to: Address, data: Uint8Array) => void,
  ) {
    this.#libc = libc;
    this.#fd = fd;
    this.#portable = portable;
  }

  /**
   * Opens the fast path for a socket, if this system and these permissions allow it.
   *
   * @param conn The bound IPv4 socket to send on.
   * @param portable How to send what the fast path cannot (IPv6, after an error).
   * @returns The sender, or why there is none (for the server's log).
   */
  static open(
    conn: Deno.DatagramConn,
    portable: (to: Address, data: Uint8Array) => void,
  ): BatchSender | string {
    if (Deno.build.os !== "linux") return `sendmmsg is Linux-only (this is ${Deno.build.os})`;
    const address = conn.addr as Deno.NetAddr;
    if (!isIpv4(address.hostname)) return "the fast path sends IPv4 only";
    // Asked first, so that a terminal never shows Deno's permission prompt for it.
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return "no --allow-ffi";
    let libc: Libc;
    try {
      libc = Deno.dlopen("libc.so.6", SYMBOLS);
    } catch (error) {
      return error instanceof Deno.errors.NotCapable ||
          error instanceof Deno.errors.PermissionDenied
        ? "no --allow-ffi"
        : `cannot load the C library (${(error as Error).message})`;
    }
    const fd = socketOf(libc, address);
    if (fd === undefined) {
      libc.close();
      return "cannot find the socket's descriptor";
    }
    return new BatchSender(libc, fd, portable);
  }

  /**
   * Queues a datagram; {@linkcode BatchSender.flush} sends what is queued.
   *
   * @param to Where to.
   * @param data The datagram; it must not change until sent, unless it lies
   *   in the memory {@linkcode BatchSender.flush} is told will be reused.
   */
  send(to: Address, data: Uint8Array): void {
    this.#queue({ to, data });
  }

  /**
   * Queues datagrams the caller made (a machine's transmits), as they are:
   * a server relaying to every member queues one for each.
   *
   * @param transmits The datagrams, as for {@linkcode BatchSender.send}.
   */
  sendAll(transmits: readonly Transmit[]): void {
    for (let i = 0; i < transmits.length; i++) this.#queue(transmits[i]);
  }

  #queue(transmit: Transmit): void {
    const { to, data } = transmit;
    // The portable way holds the datagram until its send is over: it gets its own copy.
    if (ipv4(to.hostname) === undefined) return this.#portable(to, data.slice());
    this.#lanes[to.port % LANES].push(transmit);
    this.#backlog += data.length;
  }

  /** Whether the last whole load window was busy, so that batches go to the lanes' threads. */
  get busy(): boolean {
    return this.#window.busy;
  }

  /**
   * Starts sending everything queued, one system call per lane and batch.
   *
   * @param reused Memory the caller writes over once this returns (its
   *   machine's arena): a datagram in it that must wait for a lane's call in
   *   flight is copied first. Any other is sent as it is, later.
   */
  flush(reused?: DatagramArena): void {
    for (let lane = 0; lane < LANES; lane++) {
      this.#drain(lane);
      if (reused) this.#keep(lane, reused);
    }
  }

  /**
   * Whether more is waiting to be sent than the lanes should hold
   * ({@linkcode BACKLOG_BYTES}): then the caller should make no more
   * until {@linkcode BatchSender.drained} resolves.
   */
  get backedUp(): boolean {
    return this.#backlog > BACKLOG_BYTES;
  }

  /**
   * Resolves once what waits to be sent is down to half of
   * {@linkcode BACKLOG_BYTES}: reading resumes with room to spare, not a
   * datagram at a time.
   */
  drained(): Promise<void> {
    if (this.#backlog <= BACKLOG_BYTES / 2) return Promise.resolve();
    return new Promise((resolve) => this.#draining.push(resolve));
  }

  /** Resolves once every datagram queued so far has been handed to the kernel. */
  flushed(): Promise<void> {
    this.flush();
    return this.#calls.idle();
  }

  /**
   * Asks for a larger receive buffer on the socket, so that a burst (a
   * thousand acknowledgements at once) waits in the kernel instead of being
   * dropped while the server is busy. Beyond `net.core.rmem_max` only with
   * administrator rights.
   *
   * @param bytes The size wanted.
   * @returns The size the kernel granted (it counts bookkeeping too, so about twice what it keeps).
   */
  enlargeReceiveBuffer(bytes: number): number {
    const value = new Uint8Array(new ArrayBuffer(128));
    new DataView(value.buffer).setInt32(0, bytes, true);
    const { setsockopt, getsockopt } = this.#libc.symbols;
    if (setsockopt(this.#fd, SOL_SOCKET, SO_RCVBUFFORCE, value, 4) !== 0) {
      setsockopt(this.#fd, SOL_SOCKET, SO_RCVBUF, value, 4);
    }
    const size = new Uint8Array(new ArrayBuffer(128));
    new DataView(size.buffer).setUint32(0, 4, true);
    getsockopt(this.#fd, SOL_SOCKET, SO_RCVBUF, value, size);
    return new DataView(value.buffer).getInt32(0, true);
  }

  /**
   * Bytes waiting in the socket's receive queue, as the kernel counts them
   * (bookkeeping included): 0 when everything that arrived has been read.
   *
   * @returns The bytes queued.
   */
  queuedInput(): number {
    return this.#memoryInfo(0); // SK_MEMINFO_RMEM_ALLOC
  }

  /**
   * Datagrams the kernel dropped before they were read: from sources shed by
   * {@linkcode BatchSender.dropFrom}, or for want of room in the queue.
   *
   * @returns The count since the socket was opened.
   */
  droppedInput(): number {
    return this.#memoryInfo(MEMINFO_DROPS);
  }

  /** One of the numbers `SO_MEMINFO` gives, by its byte offset (0 if the kernel will not say). */
  #memoryInfo(at: number): number {
    const { view, pointer } = this.#memInfo;
    view.setUint32(64, MEMINFO_BYTES, true);
    const { getsockoptAt } = this.#libc.symbols;
    if (getsockoptAt(this.#fd, SOL_SOCKET, SO_MEMINFO, pointer, this.#memInfoLength) !== 0) {
      return 0;
    }
    return view.getUint32(at, true);
  }

  /**
   * Has the kernel drop every datagram from these sources, until the next
   * call: the filter replaces the last one, and an empty list removes it.
   * Sources that are not IPv4 addresses are left to the caller.
   *
   * @param sources The sources to drop.
   * @returns Whether the kernel took the filter.
   */
  dropFrom(sources: readonly Address[]): boolean {
    const { setsockopt } = this.#libc.symbols;
    const listed: Ipv4Source[] = [];
    for (const { hostname, port } of sources) {
      const ip = ipv4(hostname);
      if (ip !== undefined) listed.push({ ip, port });
    }
    if (listed.length === 0) {
      // Fails (ENOENT) when no filter is attached, which is what was asked.
      setsockopt(this.#fd, SOL_SOCKET, SO_DETACH_FILTER, new Uint8Array(new ArrayBuffer(128)), 4);
      return true;
    }
    const filter = dropFilter(listed);
    const program = new Uint8Array(new ArrayBuffer(128));
    const view = new DataView(program.buffer);
    view.setUint16(0, filter.length / INSTRUCTION_BYTES, true);
    // The kernel copies the instructions during the call; `filter` is referenced until it returns.
    setWord(view, 8, Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(filter))));
    return setsockopt(this.#fd, SOL_SOCKET, SO_ATTACH_FILTER, program, SOCK_FPROG) === 0;
  }

  /** Unloads the C library, after what is in flight. */
  async close(): Promise<void> {
    await this.flushed();
    this.#libc.close();
  }

  #drain(lane: number): void {
    const queue = this.#lanes[lane];
    if (this.#busy[lane] || queue.length === 0) return;
    // The whole queue is the batch when it fits, which copies nothing; the lane starts a new one.
    let batch = queue;
    if (queue.length <= MAX_BATCH) this.#lanes[lane] = [];
    else batch = queue.splice(0, MAX_BATCH);
    const busy = this.#busyNow(batch.length); // every batch counts towards the load
    const small = batch.length <= SMALL_BATCH && !busy;
    // Reusing memory keeps a flood from piling up garbage (and a storm from spending its time in
    // the allocator): a lane's memory grows to its largest batch and stays.
    const reuse = small ? this.#scratch : this.#laneMemory[lane];
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) bytes += batch[i].data.length;
    const memory = layout(batch, reuse, bytes);
    // Laid out, the batch's copies are read no more; once nothing else waits, the next start over.
    this.#looked[lane] = Math.max(0, this.#looked[lane] - batch.length);
    const kept = this.#kept[lane];
    if (kept && this.#looked[lane] === 0) kept.at = 0;
    if (memory !== reuse) {
      if (small) this.#scratch = memory;
      else this.#laneMemory[lane] = memory;
    }
    if (!small) {
      this.#lanesUsedAt = this.#window.start;
      this.#lanesGrown ||= memory.bytes.length > LANE_MEMORY;
    } else if (this.#lanesGrown && this.#window.start - this.#lanesUsedAt > SHRINK_AFTER) {
      this.#shrinkLanes();
    }
    this.#busy[lane] = true;
    this.#calls.start();
    this.counters.calls++;
    if (small) {
      const sent = this.#libc.symbols.sendmmsgHere(this.#fd, memory.pointer, batch.length, 0);
      return this.#done(lane, batch, sent, memory, bytes);
    }
    this.counters.background++;
    this.#libc.symbols.sendmmsg(this.#fd, memory.pointer, batch.length, 0).then(
      (sent) => this.#done(lane, batch, sent, memory, bytes),
      () => this.#done(lane, batch, 0, memory, bytes),
    );
  }

  /**
   * Copies what waits on a lane (its call is in flight, or the batch was
   * full) and lies in `reused` into the lane's own memory, which grows to
   * the most that waited.
   */
  #keep(lane: number, reused: DatagramArena): void {
    const queue = this.#lanes[lane];
    for (let i = this.#looked[lane]; i < queue.length; i++) {
      const { to, data } = queue[i];
      if (!reused.holds(data)) continue;
      let kept = this.#kept[lane];
      if (kept === undefined) {
        kept = this.#kept[lane] = { bytes: new Uint8Array(LANE_MEMORY), at: 0 };
        this.#lanesGrown = true; // given back with what the lanes grew, once they are idle
      }
      if (kept.at + data.length > kept.bytes.length) {
        // Copies made before stay where they are; the old memory goes when they have been sent.
        kept.bytes = new Uint8Array(Math.max(2 * kept.bytes.length, data.length));
        kept.at = 0;
      }
      const copy = kept.bytes.subarray(kept.at, kept.at + data.length);
      copy.set(data);
      kept.at += data.length;
      queue[i] = { to, data: copy };
    }
    this.#looked[lane] = queue.length;
  }

  /** Gives back the memory idle lanes grew (to the garbage collector: nothing else holds it). */
  #shrinkLanes(): void {
    this.#lanesGrown = false;
    for (let lane = 0; lane < LANES; lane++) {
      if (this.#looked[lane] === 0) this.#kept[lane] = undefined;
      if (this.#laneMemory[lane].bytes.length <= LANE_MEMORY) continue;
      if (this.#busy[lane]) this.#lanesGrown = true; // its call still reads it: next time
      else this.#laneMemory[lane] = allocate(LANE_MEMORY);
    }
  }

  /**
   * Counts datagrams and says whether the server is busy: it sent more than
   * {@linkcode BUSY_DATAGRAMS} in the last whole {@linkcode BUSY_WINDOW}.
   */
  #busyNow(datagrams: number): boolean {
    const now = performance.now();
    if (now - this.#window.start >= BUSY_WINDOW) {
      this.#window.busy = this.#window.count >= BUSY_DATAGRAMS;
      this.#window.start = now;
      this.#window.count = 0;
    }
    this.#window.count += datagrams;
    return this.#window.busy;
  }

  /** `memory` is kept referenced until here: the C library read it until the call returned. */
  #done(lane: number, batch: Queued[], sent: number, memory: Block, bytes: number): void {
    const count = Math.max(0, sent);
    this.#backlog -= bytes;
    this.counters.datagrams += count;
    // What the kernel would not take (a full send buffer, a refused address) goes the portable
    // way, which waits for room. Rare, and later datagrams may overtake it: the v2 stream
    // reorders, and plain text was never ordered over UDP. Each is copied from the batch's
    // memory, as the caller's may have been reused since.
    if (count < batch.length) {
      this.counters.fallbacks += batch.length - count;
      let at = payloadsAt(batch.length);
      for (let i = 0; i < batch.length; i++) {
        const { to, data } = batch[i];
        if (i >= count) this.#portable(to, memory.bytes.slice(at, at + data.length));
        at += data.length;
      }
    }
    this.#busy[lane] = false;
    this.#drain(lane);
    if (this.#draining.length > 0 && this.#backlog <= BACKLOG_BYTES / 2) {
      for (const resolve of this.#draining.splice(0)) resolve();
    }
    this.#calls.end();
  }
}

/**
 * IPv4 addresses as numbers (network byte order), by text, or -1 for any
 * other address: members' addresses repeat in every batch, and parsing them
 * once is cheaper than checking them per datagram.
 */
const ipv4Cache = new Map<string, number>();

function ipv4(hostname: string): number | undefined {
  let value = ipv4Cache.get(hostname);
  if (value === undefined) {
    value = isIpv4(hostname)
      ? hostname.split(".").reduce((sum, part) => sum * 256 + Number(part), 0)
      : -1;
    if (ipv4Cache.size >= 4096) ipv4Cache.clear(); // a forged flood must not grow it
    ipv4Cache.set(hostname, value);
  }
  return value < 0 ? undefined : value;
}

/** Writes a 64-bit value (a user-space pointer or a length, below 2^53) little-endian. */
function setWord(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 0x1_0000_0000, true);
  view.setUint32(at + 4, Math.floor(value / 0x1_0000_0000), true);
}

/** Where a batch of `n` datagrams has its bytes, after its headers, vectors and addresses. */
function payloadsAt(n: number): number {
  return n * (MMSGHDR + IOVEC + SOCKADDR_IN);
}

/**
 * One batch laid out as `sendmmsg` reads it: headers, vectors, addresses,
 * then the datagrams (`bytes` of them in all).
 */
function layout(batch: Queued[], reuse: Block, bytes: number): Block {
  const n = batch.length;
  const vectors = n * MMSGHDR;
  const addresses = vectors + n * IOVEC;
  const payloads = payloadsAt(n);
  const size = payloads + bytes;
  const block = reuse.bytes.length >= size ? reuse : allocate(Math.max(size, reuse.bytes.length));
  const { bytes: memory, base, view } = block;
  memory.fill(0, 0, payloads); // headers, vectors and addresses start zeroed, reused or not
  let offset = payloads;
  for (let i = 0; i < n; i++) {
    const { to, data } = batch[i];
    const header = i * MMSGHDR;
    const vector = vectors + i * IOVEC;
    const address = addresses + i * SOCKADDR_IN;
    setWord(view, header, base + address); // msg_name
    view.setUint32(header + 8, SOCKADDR_IN, true); // msg_namelen
    setWord(view, header + 16, base + vector); // msg_iov
    setWord(view, header + 24, 1); // msg_iovlen
    // msg_control, msg_controllen, msg_flags and msg_len stay zero (filled above).
    setWord(view, vector, base + offset); // iov_base
    setWord(view, vector + 8, data.length); // iov_len
    view.setUint16(address, AF_INET, true);
    view.setUint16(address + 2, to.port, false); // network byte order
    view.setUint32(address + 4, ipv4(to.hostname)!, false); // IPv4 only, checked in send()
    memory.set(data, offset);
    offset += data.length;
  }
  return block;
}

/**
 * The descriptor of the process's UDP socket bound to `address`: Deno does not
 * say, so each open descriptor is asked its name (`getsockname`).
 */
function socketOf(libc: Libc, address: Deno.NetAddr): number | undefined {
  const name = new Uint8Array(new ArrayBuffer(128));
  const size = new Uint8Array(new ArrayBuffer(128));
  const view = new DataView(name.buffer);
  for (let fd = 3; fd < 4096; fd++) {
    name.fill(0);
    new DataView(size.buffer).setUint32(0, name.length, true);
    if (libc.symbols.getsockname(fd, name, size) !== 0) continue;
    if (view.getUint16(0, true) !== AF_INET || view.getUint16(2, false) !== address.port) continue;
    const ip = [4, 5, 6, 7].map((i) => view.getUint8(i)).join(".");
    if (ip !== address.hostname) continue;
    // A TCP socket may share the address: only a datagram socket will do.
    new DataView(size.buffer).setUint32(0, 4, true);
    if (libc.symbols.getsockopt(fd, SOL_SOCKET, SO_TYPE, name, size) !== 0) continue;
    if (view.getUint32(0, true) === SOCK_DGRAM) return fd;
  }
  return undefined;
}
