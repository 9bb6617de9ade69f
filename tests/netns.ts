/**
 * A small LAN inside this machine for tests: network namespaces ("hosts")
 * joined by veth pairs to one bridge. Traffic stays among them; nothing is
 * sent anywhere else. Needs root, `ip` and `nft`.
 *
 * @module
 */

/** Runs a shell script; never throws. */
export async function sh(script: string): Promise<{ ok: boolean; output: string }> {
  const { success, stdout, stderr } = await new Deno.Command("bash", {
    args: ["-c", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { ok: success, output: decode(stdout) + decode(stderr) };
}

/** Why a LAN cannot be built here, or `undefined` if it can. */
export async function lanUnavailable(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "not Linux";
  const probe = await sh('[ "$(id -u)" = 0 ] && command -v ip && command -v nft');
  return probe.ok ? undefined : "needs root, ip (iproute2) and nft (nftables)";
}

/** One host of the LAN. */
export interface Host {
  /** Network namespace name. */
  ns: string;
  /** Its address on the LAN. */
  ip: string;
  veth: string;
}

/** A bridge and its hosts; {@linkcode Lan.close} removes everything. */
export class Lan {
  readonly hosts: Host[];
  readonly #bridge: string;

  private constructor(bridge: string, hosts: Host[]) {
    this.#bridge = bridge;
    this.hosts = hosts;
  }

  /**
   * Builds a LAN of `count` hosts with names unique to this process.
   *
   * @param tag Distinguishes LANs of one process.
   * @param count Number of hosts.
   */
  static async create(tag: string, count: number): Promise<Lan> {
    const id = `${tag}${(Deno.pid % 10_000).toString(36)}`;
    const subnet = `10.${200 + (Deno.pid % 50)}.${(Deno.pid + tag.charCodeAt(0)) % 250}`;
    const hosts = Array.from({ length: count }, (_, i) => ({
      ns: `uc${id}h${i}`,
      veth: `uc${id}v${i}`,
      ip: `${subnet}.${i + 1}`,
    }));
    const lan = new Lan(`uc${id}br`, hosts);
    const lines = [
      "set -e",
      `ip link add ${lan.#bridge} type bridge`,
      `ip link set ${lan.#bridge} up`,
    ];
    for (const host of hosts) {
      lines.push(
        `ip netns add ${host.ns}`,
        `ip link add ${host.veth} type veth peer name ${host.veth}b`,
        `ip link set ${host.veth} netns ${host.ns}`,
        `ip link set ${host.veth}b master ${lan.#bridge}`,
        `ip link set ${host.veth}b up`,
        `ip -n ${host.ns} addr add ${host.ip}/24 dev ${host.veth}`,
        `ip -n ${host.ns} link set ${host.veth} up`,
        `ip -n ${host.ns} link set lo up`,
        // Multicast needs a route; inside the namespace the only way out is our bridge.
        `ip -n ${host.ns} route add default dev ${host.veth}`,
      );
    }
    const result = await sh(lines.join("\n"));
    if (!result.ok) {
      await lan.close();
      throw new Error(`Could not build the test LAN:\n${result.output}`);
    }
    return lan;
  }

  /**
   * Adds an nftables rule to the input hook of a host, e.g. to drop packets.
   *
   * @param host The host.
   * @param rule The rule, e.g. `meta l4proto udp numgen random mod 100 < 30 drop`.
   */
  async inputRule(host: Host, rule: string): Promise<void> {
    const result = await sh([
      "set -e",
      `ip netns exec ${host.ns} nft add table inet chaos 2>/dev/null || true`,
      `ip netns exec ${host.ns} nft add chain inet chaos input '{ type filter hook input priority 0; }' 2>/dev/null || true`,
      `ip netns exec ${host.ns} nft 'add rule inet chaos input ${rule}'`,
    ].join("\n"));
    if (!result.ok) throw new Error(`nft failed:\n${result.output}`);
  }

  /** Removes the namespaces and the bridge. */
  async close(): Promise<void> {
    const lines = this.hosts.map((host) => `ip netns del ${host.ns} 2>/dev/null`);
    lines.push(`ip link del ${this.#bridge} 2>/dev/null`, "true");
    await sh(lines.join("\n"));
  }
}
