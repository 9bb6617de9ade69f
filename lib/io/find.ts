/**
 * Discovery's I/O: sends probes from a broadcast-capable socket for
 * `DISCOVERY_WINDOW` ms and returns the servers that answered.
 *
 * @module
 */

import {
  DISCOVERY_PORT,
  DISCOVERY_WINDOW,
  type FoundServer,
  probeTargets,
  ServerFinder,
} from "../discovery.ts";
import { sanitize } from "../sanitize.ts";
import { UdpEndpoint } from "./udp.ts";

/** IPv4 interfaces as `address/prefix`; none without the permission to list them. */
function interfaceCidrs(): string[] {
  try {
    return Deno.networkInterfaces().filter((i) => i.family === "IPv4").map((i) => i.cidr);
  } catch {
    return [];
  }
}

/**
 * Looks for udpchat servers on the local networks.
 *
 * @param port The discovery port to probe.
 * @returns The servers that answered, by room name and then address.
 */
export async function findServers(port: number = DISCOVERY_PORT): Promise<FoundServer[]> {
  // 0.0.0.0, not a specific address: only such a socket may send to broadcast addresses.
  const conn = Deno.listenDatagram({
    transport: "udp",
    hostname: "0.0.0.0",
    port: 0,
    loopback: true,
  });
  const nonce = crypto.randomUUID().slice(0, 12);
  const finder = new ServerFinder(probeTargets(interfaceCidrs(), port), Date.now(), nonce);
  const endpoint = new UdpEndpoint(conn, finder, () => {});
  const running = endpoint.run();
  await new Promise((resolve) => setTimeout(resolve, DISCOVERY_WINDOW));
  await endpoint.close();
  await running;
  return finder.servers;
}

/**
 * One line describing a found server.
 *
 * @param server The server.
 * @returns e.g. `Networks 101 at 10.0.0.5:9999 (3 members)`.
 */
export function describeServer(server: FoundServer): string {
  const count = server.members === 1 ? "1 member" : `${server.members} members`;
  return `${sanitize(server.name)} at ${server.address.hostname}:${server.address.port} (${count})`;
}

/**
 * Lets the user pick one of several servers: asks on a terminal, takes the
 * first otherwise (saying so on stderr).
 *
 * @param servers Two or more servers.
 * @param interactive Whether to ask.
 * @returns The chosen server.
 */
export async function pickServer(
  servers: FoundServer[],
  interactive: boolean,
): Promise<FoundServer> {
  if (!interactive) {
    console.error(
      `Found ${servers.length} servers; joining the first by name, ${describeServer(servers[0])}.`,
    );
    return servers[0];
  }
  console.log(`Found ${servers.length} udpchat servers:`);
  servers.forEach((server, i) => console.log(`  ${i + 1}) ${describeServer(server)}`));
  for (;;) {
    await Deno.stdout.write(
      new TextEncoder().encode(
        `Join which one? [1-${servers.length}, Enter for 1: ${sanitize(servers[0].name)}] `,
      ),
    );
    const buffer = new Uint8Array(256);
    const read = await Deno.stdin.read(buffer);
    const answer = read === null ? "" : new TextDecoder().decode(buffer.subarray(0, read)).trim();
    if (answer === "") return servers[0];
    const choice = Number(answer);
    if (Number.isInteger(choice) && choice >= 1 && choice <= servers.length) {
      return servers[choice - 1];
    }
    console.log(`Please type a number from 1 to ${servers.length}.`);
  }
}
