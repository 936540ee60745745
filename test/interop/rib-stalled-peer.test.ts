/**
 * A peer that stops reading its socket (a BIRD we SIGSTOP by PID) while
 * another NVA announces a table of distinct attribute sets: the route
 * server closes the stalled session with Cease / Out of Resources (RFC 4486)
 * once it is `outputLagLimit` journal bytes behind (src/rib/session-close.ts),
 * the other peers get the whole table meanwhile, and the stalled BIRD gets
 * it too once it runs again and its session comes back.
 *
 * Lab `ribstall`: the route server (IN_0 10.0.0.4, AS 65515, in a child
 * process, test/interop/hosts/rib-host.ts), BIRD `stalled` (AS 65001),
 * BIRD `reader` (AS 65002) and BIRD `loader` (AS 65003, the table).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BirdDaemon, Lab } from '../lab/index.js';
import type { LabNode, LabProcess } from '../lab/index.js';
import { run, waitFor } from '../lab/process.js';

const IN_0 = '10.0.0.4';
/** /32s, each with its own community: one attribute set, and one UPDATE, per prefix */
const TABLE = 200_000;
/** small against the table’s ~11 MB of UPDATEs, and against what the sockets buffer */
const OUTPUT_LAG_LIMIT = 1024 * 1024;
const HOLD = 90;

const NVAS = {
  stalled: { address: '10.0.1.4', asn: 65001 },
  reader: { address: '10.0.1.5', asn: 65002 },
  loader: { address: '10.0.1.6', asn: 65003 },
} as const;

function tablePrefix(i: number): string {
  return `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
}

interface HostEvent {
  at: number;
  type: string;
  peer?: string;
  code?: number;
  subcode?: number;
  to?: string;
}
interface EngineSummary {
  counters: { outputLagExceeded: number };
  journalBytes: number;
}
interface HostSummary {
  engines: Record<string, EngineSummary>;
  peers: Record<string, Record<string, { received: number; advertised: number } | null>>;
}

describe('a peer that stops reading its socket', () => {
  let lab: Lab;
  let rs: LabNode;
  let host: LabProcess;
  const birds = new Map<keyof typeof NVAS, BirdDaemon>();
  const bird = (name: keyof typeof NVAS) => birds.get(name)!;

  const events = (): HostEvent[] => {
    try {
      return readFileSync(path.join(rs.dir, 'events.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as HostEvent);
    } catch {
      return [];
    }
  };
  const summary = (): HostSummary | undefined => {
    try {
      return JSON.parse(readFileSync(path.join(rs.dir, 'state.json'), 'utf8')) as HostSummary;
    } catch {
      return undefined;
    }
  };
  const waitHost = <T>(what: string, probe: () => T | undefined, timeoutMs = 60_000) =>
    waitFor(
      what,
      async () => {
        if (!host.running) throw new Error(`route server host exited:\n${host.logTail()}`);
        return probe();
      },
      { timeoutMs, intervalMs: 200, detail: () => JSON.stringify(summary()?.engines ?? {}) },
    );
  /** Routes BIRD learned from the route server (`show route count` of its table). */
  const routeCount = async (name: keyof typeof NVAS): Promise<number> => {
    const out = await run('birdc', ['-s', bird(name).controlSocket, 'show', 'route', 'count']);
    const match = /(\d+) of \d+ routes/.exec(out.stdout);
    return match ? Number(match[1]) : 0;
  };
  const waitCount = (name: keyof typeof NVAS, count: number, timeoutMs = 90_000) =>
    waitFor(
      `${name} holds ${count} routes`,
      async () => ((await routeCount(name)) >= count ? true : undefined),
      { timeoutMs, intervalMs: 500, detail: () => `${name}: see its birdc` },
    );
  const signalStalled = (signal: NodeJS.Signals) => {
    const pid = bird('stalled').pid;
    if (pid !== undefined) process.kill(pid, signal);
  };

  beforeAll(async () => {
    lab = await Lab.create({ name: 'ribstall' });
    rs = await lab.addNode('rs', [`${IN_0}/16`]);
    for (const [name, nva] of Object.entries(NVAS) as [keyof typeof NVAS, (typeof NVAS)['stalled']][]) {
      const node = await lab.addNode(name, [`${nva.address}/16`]);
      const announce =
        name === 'loader'
          ? Array.from({ length: TABLE }, (_, i) => ({
              prefix: tablePrefix(i),
              communities: [`${65000 + (i >> 16)}:${i & 65535}`],
            }))
          : [];
      birds.set(
        name,
        new BirdDaemon(lab, node, {
          asn: nva.asn,
          localAddress: nva.address,
          holdTimeSeconds: HOLD,
          peers: [{ address: IN_0, asn: 65515, multihopTtl: 2 }],
          announce,
        }),
      );
    }
    const configPath = path.join(rs.dir, 'rib-host.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        instances: [{ instance: 'IN_0', address: IN_0 }],
        peers: Object.values(NVAS).map((n) => ({
          address: n.address,
          asn: n.asn,
          holdTimeSeconds: HOLD,
          idleHoldTimeSeconds: 1,
        })),
        routeLimit: TABLE * 2,
        outputLagLimit: OUTPUT_LAG_LIMIT,
        summary: true,
      }),
    );
    const script = path.resolve('test/interop/hosts/rib-host.ts');
    host = lab.spawn(rs, process.execPath, ['--import', 'tsx', script, configPath, rs.dir], {
      logFile: path.join(rs.dir, 'rib-host.log'),
    });
    await waitHost(
      'route server host ready',
      () => (events().some((e) => e.type === 'ready') ? true : undefined),
      30_000,
    );
    await Promise.all([bird('stalled').start(), bird('reader').start()]);
    await Promise.all([
      bird('stalled').waitEstablished(IN_0, 90_000),
      bird('reader').waitEstablished(IN_0, 90_000),
    ]);
  }, 180_000);

  afterAll(async () => {
    if (birds.size > 0) signalStalled('SIGCONT');
    await lab?.destroy();
  });

  it('is closed with Cease / Out of Resources while the other peers get the whole table', async () => {
    signalStalled('SIGSTOP');
    await bird('loader').start();
    await waitHost('Cease / Out of Resources sent to the stalled peer', () =>
      events().find(
        (e) =>
          e.type === 'notification-sent' &&
          e.peer === NVAS.stalled.address &&
          e.code === 6 &&
          e.subcode === 8,
      ),
    );
    await waitCount('reader', TABLE);
    const engine = summary()!.engines.IN_0!;
    expect(engine.counters.outputLagExceeded).toBe(1);
    // what was held for the stalled peer is released: no more than the limit remains
    expect(engine.journalBytes).toBeLessThanOrEqual(OUTPUT_LAG_LIMIT);
  }, 180_000);

  it('is sent the whole table again once it reads again and its session is back', async () => {
    signalStalled('SIGCONT');
    await waitCount('stalled', TABLE, 120_000);
    await bird('stalled').waitEstablished(IN_0, 90_000);
    const sent = events().filter((e) => e.type === 'notification-sent' && e.peer === NVAS.stalled.address);
    expect(sent.map((e) => `${e.code}/${e.subcode}`)).toEqual(['6/8']);
  }, 180_000);
});
