import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Lab } from '../lab/index.js';

const BIN = fileURLToPath(new URL('../../bin/routeserver.js', import.meta.url));

function runDemo(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'demo', '--once'],
      { timeout: 240_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          output: stdout + stderr,
        }),
    );
  });
}

/** The lines of one `== heading` section of the demo's output. */
function section(output: string, heading: string): string[] {
  const start = output.indexOf(`== ${heading}`);
  if (start < 0) return [];
  const rest = output.slice(start).split('\n').slice(1);
  const end = rest.findIndex((line) => line.startsWith('== '));
  return rest.slice(0, end < 0 ? undefined : end).filter((line) => line.trim() !== '');
}

describe('routeserver demo (seed scenario with FRR and BIRD)', () => {
  it('prints sessions, learned and received routes, a VM effective route table, packets following it, and tears down', async () => {
    const { code, output } = await runDemo();
    expect(code, output).toBe(0);

    for (const nva of ['SD-WAN NVA (FRR, AS 65001)', 'firewall NVA (BIRD, AS 65002)']) {
      expect(section(output, `${nva}: BGP sessions`)).toEqual([
        '  10.1.0.4   Established',
        '  10.1.0.5   Established',
      ]);
      const received = section(output, `${nva}: routes received from the route server`);
      // the VNet address space from both instances, next hop the instance itself, AS path 65515
      expect(received).toContainEqual(
        expect.stringMatching(/^ {2}10\.1\.0\.0\/16 +from 10\.1\.0\.4 +next hop 10\.1\.0\.4 +AS path 65515$/),
      );
      expect(received).toContainEqual(
        expect.stringMatching(/^ {2}10\.1\.0\.0\/16 +from 10\.1\.0\.5 +next hop 10\.1\.0\.5 +AS path 65515$/),
      );
    }
    // each NVA gets the other's route, next hop unchanged (docs/azure-behaviour.md §3.6)
    expect(
      section(output, 'SD-WAN NVA (FRR, AS 65001): routes received from the route server'),
    ).toContainEqual(
      expect.stringMatching(
        /^ {2}0\.0\.0\.0\/0 +from 10\.1\.0\.4 +next hop 10\.1\.1\.5 +AS path 65515 65002$/,
      ),
    );
    expect(
      section(output, 'firewall NVA (BIRD, AS 65002): routes received from the route server'),
    ).toContainEqual(
      expect.stringMatching(
        /^ {2}10\.250\.0\.0\/16 +from 10\.1\.0\.5 +next hop 10\.1\.1\.4 +AS path 65515 65001$/,
      ),
    );

    const peerings = section(output, 'route server: peerings');
    expect(peerings).toContainEqual(expect.stringMatching(/^firewall +65002 +10\.1\.1\.5 +Connected/));
    expect(peerings).toContainEqual(expect.stringMatching(/^sdwan +65001 +10\.1\.1\.4 +Connected/));

    const learned = section(output, 'route server: routes learned');
    for (const instance of ['RouteServiceRole_IN_0', 'RouteServiceRole_IN_1']) {
      expect(learned).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${instance} +10\\.250\\.0\\.0/16 +10\\.1\\.1\\.4 +10\\.1\\.1\\.4 +65001 +EBgp`),
        ),
      );
      expect(learned).toContainEqual(
        expect.stringMatching(
          new RegExp(`^${instance} +0\\.0\\.0\\.0/0 +10\\.1\\.1\\.5 +10\\.1\\.1\\.5 +65002 +EBgp`),
        ),
      );
    }

    const metrics = section(output, 'metrics (GET /metrics, routeserver label left out)');
    const series = (name: string, instance: string, peer: string) =>
      `  ${name}{routeserviceinstance="RouteServiceRole_${instance}",bgppeerip="${peer}",bgppeertype="Nva"}`;
    for (const instance of ['IN_0', 'IN_1']) {
      for (const peer of ['10.1.1.4', '10.1.1.5']) {
        expect(metrics).toContain(`${series('BgpPeerStatus', instance, peer)} 1`);
        expect(metrics).toContain(`${series('CountOfRoutesLearnedFromPeer', instance, peer)} 1`);
        // the VNet space and the other NVA's route
        expect(metrics).toContain(`${series('CountOfRoutesAdvertisedToPeer', instance, peer)} 2`);
        // each NVA announced its one prefix to each instance (again after a session reset, if any)
        const announced = metrics.find((line) =>
          line.startsWith(`${series('routeserver_bgp_prefixes_announced_total', instance, peer)} `),
        );
        expect(Number(announced?.split(' ').pop()), metrics.join('\n')).toBeGreaterThanOrEqual(1);
      }
    }

    const effective = section(output, "a VM's effective route table");
    expect(effective).toContainEqual(
      expect.stringMatching(
        /^VirtualNetworkGateway +Active +10\.250\.0\.0\/16 +VirtualNetworkGateway +10\.1\.1\.4$/,
      ),
    );
    expect(effective).toContainEqual(
      expect.stringMatching(
        /^VirtualNetworkGateway +Active +0\.0\.0\.0\/0 +VirtualNetworkGateway +10\.1\.1\.5$/,
      ),
    );
    expect(effective).toContainEqual(expect.stringMatching(/^Default +Invalid +0\.0\.0\.0\/0 +Internet$/));
    expect(effective).toContainEqual(
      expect.stringMatching(/^10\.250\.0\.0\/16 +10\.250\.1\.1 +10\.1\.1\.4 +VirtualNetworkGateway/),
    );

    // the agent programs vm1's kernel, and packets follow the routes through the NVAs
    const programmed = section(
      output,
      "routeserver agent --nic …/vm1-nic --netns vm1: programs vm1's kernel (route protocol 247)",
    );
    expect(programmed).toContainEqual(
      expect.stringMatching(/^ {2}default via 10\.1\.1\.5 dev eth0 proto 247/),
    );
    expect(programmed).toContainEqual(
      expect.stringMatching(/^ {2}10\.250\.0\.0\/16 via 10\.1\.1\.4 dev eth0 proto 247/),
    );
    const forwarded = (heading: string) => {
      const lines = section(output, heading);
      const line = lines.find((l) => l.includes('forwarded toward their far side'));
      const match = /^ {2}\S+ answered; .*SD-WAN NVA (\d+) packets, firewall NVA (\d+) packets$/.exec(
        line ?? '',
      );
      expect(match, lines.join('\n')).not.toBeNull();
      return { sdwan: Number(match![1]), fw: Number(match![2]) };
    };
    const onprem = forwarded('packets from vm1 to 10.250.1.1 (on-prem): through the SD-WAN NVA (10.1.1.4)');
    expect(onprem.sdwan).toBeGreaterThanOrEqual(5);
    expect(onprem.fw).toBeLessThan(5);
    const internet = forwarded(
      'packets from vm1 to 198.51.100.7 (internet): through the firewall NVA (10.1.1.5)',
    );
    expect(internet.fw).toBeGreaterThanOrEqual(5);
    expect(internet.sdwan).toBeLessThan(5);
    // ping and traceroute (installed by scripts/install-deps.sh): every echo answered, first hop the NVA
    for (const [heading, host, nva] of [
      [
        'packets from vm1 to 10.250.1.1 (on-prem): through the SD-WAN NVA (10.1.1.4)',
        '10.250.1.1',
        '10.1.1.4',
      ],
      [
        'packets from vm1 to 198.51.100.7 (internet): through the firewall NVA (10.1.1.5)',
        '198.51.100.7',
        '10.1.1.5',
      ],
    ] as const) {
      const lines = section(output, heading);
      expect(lines, lines.join('\n')).toContain(`$ ping -n -c 3 ${host}`);
      expect(lines).toContainEqual(
        expect.stringMatching(/^3 packets transmitted, 3 received, 0% packet loss/),
      );
      expect(lines).toContain(`$ traceroute -n ${host}`);
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ 1  ${nva.replace(/\./g, '\\.')} `)));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ 2  ${host.replace(/\./g, '\\.')} `)));
    }

    // serve stops cleanly on SIGTERM: both instances send a Cease to both NVAs
    const stopping = section(
      output,
      'stopping the server (SIGTERM): a Cease to every peer from both instances',
    );
    for (const instance of ['10.1.0.4', '10.1.0.5'])
      for (const peer of ['10.1.1.4', '10.1.1.5'])
        expect(stopping).toContain(
          `  NOTIFICATION sent: Cease / Administrative Shutdown  ${instance} -> ${peer}`,
        );
    expect(stopping[stopping.length - 1]).toBe('  stopped');

    expect(output).toContain('== torn down');
    const prefix = /log: \/.*\/(rl[0-9a-z]{4})-demo\//.exec(output)?.[1];
    expect(prefix).toBeDefined();
    expect(await Lab.leftovers(prefix!)).toEqual({ namespaces: [], processes: [], links: [] });
  });
});
