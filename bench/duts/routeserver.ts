/**
 * routeserver as a DUT: the product as a user runs it, `routeserver serve`
 * (bin/routeserver.js on the compiled dist/), configured by a YAML file
 * written here (docs/serve.md, "Configuration file"): a VNet 10.0.0.0/16
 * whose RouteServerSubnet puts the two instances on 10.0.0.4 (IN_0, the
 * address every peer dials) and 10.0.0.5 (IN_1, configured with the same
 * peers, idle: nobody dials it), one BGP connection per injector and one to
 * the monitor, and 100 workload NICs whose effective routes get every
 * learned route (the real job). `routeserver-novnet` adds
 * `--no-vnet-programming`: the same BGP work, nothing programmed into the
 * VNet. The limits are raised from Azure's 8 peers and 4,000 routes per
 * peer to the scenario's (`--max-peers`, `--max-routes-per-peer`).
 *
 * The route server exports to every peer (Azure semantics): an import-only
 * injector cannot be configured, so in scenario (ci) it does the export work
 * the other DUTs are spared.
 *
 * Routes learned are read from `/metrics` (CountOfRoutesLearnedFromPeer) over
 * the API, which listens on loopback inside the DUT namespace; curl runs
 * there (`ip netns exec`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ConfigFile } from '../../src/daemon/config-schema.js';
import { spawnPinned } from './types.js';
import type { Dut, DutContext, RunningDut } from './types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ROUTESERVER_BIN = path.join(ROOT, 'bin', 'routeserver.js');
const NICS = 100;
const API_PORT = 8443;
/** IN_1's address: the lab's DUT node carries it too, so that the route server starts both instances */
export const SECOND_INSTANCE_ADDRESS = '10.0.0.5';
const ROUTE_LIMIT = 2_000_000;

/** The configuration file: one route server in 10.0.0.0/16 peering with every injector and the monitor. */
export function serveConfig(c: Pick<DutContext, 'injectors' | 'monitor'>): ConfigFile {
  const nic = (i: number) => `10.0.${16 + ((i + 4) >> 8)}.${(i + 4) & 255}`;
  return {
    resourceGroup: 'bench',
    virtualNetworks: [
      {
        name: 'vnet',
        addressPrefixes: ['10.0.0.0/16'],
        subnets: [
          { name: 'RouteServerSubnet', addressPrefix: '10.0.0.0/26' },
          { name: 'nva', addressPrefix: '10.0.1.0/24' },
          { name: 'monitor', addressPrefix: '10.0.2.0/24' },
          { name: 'workload', addressPrefix: '10.0.16.0/20' },
        ],
      },
    ],
    routeServers: [
      {
        name: 'rs',
        virtualNetwork: 'vnet',
        peerings: [
          ...c.injectors.map((p, i) => ({ name: `inj${i + 1}`, peerIp: p.address, peerAsn: p.asn })),
          { name: 'mon', peerIp: c.monitor.address, peerAsn: c.monitor.asn },
        ],
      },
    ],
    networkInterfaces: Array.from({ length: NICS }, (_, i) => ({
      name: `vm${i}`,
      virtualNetwork: 'vnet',
      subnet: 'workload',
      privateIpAddress: nic(i),
    })),
  };
}

/** Sum of CountOfRoutesLearnedFromPeer over every instance and peer but `except` (Prometheus text format). */
export function learnedFromMetrics(text: string, except: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('CountOfRoutesLearnedFromPeer{')) continue;
    const peer = /bgppeerip="([^"]*)"/.exec(line)?.[1];
    if (peer === undefined || peer === except) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function waitForFile(file: string, running: { exited: Promise<number | null> }, ms: number) {
  let exited: number | null | undefined;
  void running.exited.then((code) => (exited = code));
  const deadline = Date.now() + ms;
  while (!existsSync(file)) {
    if (exited !== undefined) throw new Error(`routeserver serve exited (${exited}) while starting`);
    if (Date.now() > deadline) throw new Error(`routeserver serve: no ${path.basename(file)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function make(id: string, vnet: boolean): Dut {
  return {
    id,
    label: () => {
      const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        version: string;
      };
      return Promise.resolve(
        `routeserver ${version} (serve, Node ${process.version}${vnet ? '' : ', VNet programming off'})`,
      );
    },
    available: () => Promise.resolve(existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))),
    async start(c: DutContext): Promise<RunningDut> {
      const config = `${c.dir}/routeserver.yaml`;
      const dataDir = `${c.dir}/routeserver-data`;
      writeFileSync(config, stringify(serveConfig(c)));
      const node = [
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
        // the same heap ceiling for every thread as the in-process DUT had; a full table fits in Node's default too
        '--max-old-space-size=8192',
      ];
      const proc = spawnPinned(
        c,
        process.execPath,
        [
          ...node,
          ROUTESERVER_BIN,
          'serve',
          '--config',
          config,
          '--data-dir',
          dataDir,
          '--api-listen',
          `127.0.0.1:${API_PORT}`,
          '--max-peers',
          String(c.injectors.length + 1),
          '--max-routes-per-peer',
          String(ROUTE_LIMIT),
          '--log-format',
          'json',
          '--log-level',
          'warn',
          ...(vnet ? [] : ['--no-vnet-programming']),
        ],
        'routeserver.log',
      );
      // the API answers once the file is applied and the instances listen
      await waitForFile(`${dataDir}/api-url`, proc, 120_000);
      // the token goes to curl in a file, not on its command line
      const header = `${c.dir}/routeserver-auth-header`;
      const token = readFileSync(`${dataDir}/api-token`, 'utf8').trim();
      writeFileSync(header, `Authorization: Bearer ${token}\n`, { mode: 0o600 });
      const args = [
        '-sf',
        '--max-time',
        '10',
        '--cacert',
        `${dataDir}/tls/cert.pem`,
        '-H',
        `@${header}`,
        `https://127.0.0.1:${API_PORT}/metrics`,
      ];
      return {
        process: proc,
        // every poll is a TLS request the DUT's main thread answers and a scrape of both instance threads
        learnedPollMs: 250,
        learned: async () => {
          const r = await c.lab.exec(c.node, 'curl', args, { timeoutMs: 15_000 });
          return r.code === 0 ? learnedFromMetrics(r.stdout, c.monitor.address) : undefined;
        },
        notes: c.importOnly
          ? ['exports to every injector too (no per-peer export policy in Azure semantics)']
          : [],
      };
    },
  };
}

export const routeserver = make('routeserver', true);
export const routeserverNoVnet = make('routeserver-novnet', false);
