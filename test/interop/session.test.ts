/**
 * Interop of the route server's BGP speaker (bgp/session) with five real
 * daemons. One lab: our speaker process runs in namespace `rs` with both
 * instance addresses (AS 65515); each NVA peers with both.
 *
 *   10.0.0.4 (IN_0): our side passive   → the daemon dials us
 *   10.0.0.5 (IN_1): the daemon passive → we dial the daemon
 *
 * So every daemon is tested in both directions of connection set-up at once.
 * Then every daemon is frozen (SIGSTOP on every process of its namespace):
 * our hold timer (9 s) must expire with NOTIFICATION Hold Timer Expired on
 * both sessions; after SIGCONT both sessions must come back and the
 * daemon's prefix must arrive again. The matrix is printed at the end.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaemon, DAEMON_KINDS, Lab } from '../lab/index.js';
import type { BgpDaemon, DaemonKind, LabNode, LabProcess } from '../lab/index.js';
import { namespacePids } from '../lab/lab.js';
import { waitFor } from '../lab/process.js';

const IN_0 = '10.0.0.4';
const IN_1 = '10.0.0.5';
const HOLD = 9;
/** log lines of the NVAs that tell why a session ended (ExaBGP logs them at DEBUG, see test/lab/exabgp.ts) */
const NVA_SESSION_LOG = /notification|reset|collision|already|closing|hold.?time|cease/i;

interface Nva {
  kind: DaemonKind;
  address: string;
  asn: number;
  prefix: string;
}

const NVAS: Nva[] = DAEMON_KINDS.map((kind, i) => ({
  kind,
  address: `10.0.1.${4 + i}`,
  asn: 65001 + i,
  prefix: `10.${201 + i}.0.0/16`,
}));

interface HostEvent {
  at: number;
  type: string;
  localAddress?: string;
  peer?: string;
  from?: string;
  to?: string;
  reason?: string;
  code?: number;
  subcode?: number;
  nlri?: string[];
}

type Column = 'established' | 'update' | 'holdExpiry' | 'recovery';
const matrix = new Map<string, Record<Column, string>>();
const mark = (kind: DaemonKind, column: Column, value: string) => {
  const row = matrix.get(kind) ?? { established: '-', update: '-', holdExpiry: '-', recovery: '-' };
  row[column] = value;
  matrix.set(kind, row);
};

describe('bgp/session interop with FRR, BIRD, GoBGP, ExaBGP and OpenBGPD', () => {
  let lab: Lab;
  let rs: LabNode;
  let host: LabProcess;
  let eventsPath: string;
  const daemons = new Map<DaemonKind, BgpDaemon>();
  const nodes = new Map<DaemonKind, LabNode>();
  /** when the frozen daemons were resumed (set by the hold-timer test) */
  let resumedAt = Number.POSITIVE_INFINITY;

  const events = (): HostEvent[] => {
    try {
      return readFileSync(eventsPath, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as HostEvent);
    } catch {
      return [];
    }
  };

  const waitEvents = (what: string, match: (all: HostEvent[]) => boolean, timeoutMs = 60_000) =>
    waitFor(
      what,
      async () => {
        if (!host.running) throw new Error(`speaker host exited:\n${host.logTail()}`);
        return match(events()) ? true : undefined;
      },
      {
        timeoutMs,
        intervalMs: 200,
        detail: () => {
          const all = events();
          const tail = all
            .filter(
              (e) => ['state', 'connection-refused'].includes(e.type) || e.type.startsWith('notification'),
            )
            .slice(-30)
            .map((e) => JSON.stringify(e));
          return [...sessionReport(all), ...tail].join('\n');
        },
      },
    );

  /** One line per session: its last state, and when it last changed state and got an UPDATE. */
  const sessionReport = (all: HostEvent[]) =>
    NVAS.flatMap((n) =>
      [IN_0, IN_1].map((local) => {
        const mine = all.filter((e) => e.localAddress === local && e.peer === n.address);
        const state = mine.filter((e) => e.type === 'state').at(-1);
        const update = mine.filter((e) => e.type === 'update').at(-1);
        const refused = all.filter((e) => e.type === 'connection-refused' && e.localAddress === local);
        return `${n.kind} ${local}<-${n.address}: ${state?.to ?? 'no state'} since ${state?.at ?? '-'}, last UPDATE ${update?.at ?? '-'}, refused at ${local}: ${refused.length}`;
      }),
    );

  const sessionsOf = (nva: Nva) => [
    { local: IN_0, peer: nva.address },
    { local: IN_1, peer: nva.address },
  ];
  const isUp = (all: HostEvent[], local: string, peer: string, after = 0) => {
    const last = all
      .filter((e) => e.type === 'state' && e.localAddress === local && e.peer === peer && e.at >= after)
      .at(-1);
    return last?.to === 'Established';
  };

  beforeAll(async () => {
    lab = await Lab.create({ name: 'session' });
    rs = await lab.addNode('rs', [`${IN_0}/16`, `${IN_1}/16`]);
    for (const nva of NVAS) {
      const node = await lab.addNode(nva.kind, [`${nva.address}/16`]);
      nodes.set(nva.kind, node);
      const daemon = createDaemon(nva.kind, lab, node, {
        asn: nva.asn,
        localAddress: nva.address,
        holdTimeSeconds: HOLD,
        peers: [
          { address: IN_0, asn: 65515, multihopTtl: 2 },
          { address: IN_1, asn: 65515, multihopTtl: 2, passive: true },
        ],
        announce: [nva.prefix],
      });
      daemons.set(nva.kind, daemon);
    }
    const configPath = path.join(rs.dir, 'speakers.json');
    eventsPath = path.join(rs.dir, 'events.jsonl');
    const peersFor = (passive: boolean) =>
      NVAS.map((n) => ({ address: n.address, asn: n.asn, passive, holdTimeSeconds: HOLD }));
    writeFileSync(
      configPath,
      JSON.stringify({
        speakers: [
          { localAddress: IN_0, peers: peersFor(true) },
          { localAddress: IN_1, peers: peersFor(false) },
        ],
      }),
    );
    const script = path.resolve('test/interop/hosts/speaker-host.ts');
    host = lab.spawn(rs, process.execPath, ['--import', 'tsx', script, configPath, eventsPath], {
      logFile: path.join(rs.dir, 'speaker-host.log'),
    });
    await waitEvents('speaker host ready', (all) => all.some((e) => e.type === 'ready'), 30_000);
    await Promise.all([...daemons.values()].map((d) => d.start()));
  });

  afterAll(async () => {
    for (const node of nodes.values()) await signalNamespace(node, 'SIGCONT');
    if (matrix.size > 0) printMatrix();
    await lab?.destroy();
  });

  it('reaches Established with every daemon, both when it dials us and when we dial it', async () => {
    await waitEvents(
      'all 10 sessions Established on our side',
      (all) => NVAS.every((n) => sessionsOf(n).every((s) => isUp(all, s.local, s.peer))),
      90_000,
    );
    await Promise.all(
      NVAS.flatMap((n) => [IN_0, IN_1].map((a) => daemons.get(n.kind)!.waitEstablished(a, 30_000))),
    );
    for (const n of NVAS) mark(n.kind, 'established', 'yes (they dial, we dial)');
  });

  it('receives each daemon’s announced prefix, decoded, on both sessions', async () => {
    await waitEvents('every prefix on both sessions', (all) =>
      NVAS.every((n) =>
        [IN_0, IN_1].every((local) =>
          all.some(
            (e) =>
              e.type === 'update' &&
              e.localAddress === local &&
              e.peer === n.address &&
              e.nlri?.includes(n.prefix),
          ),
        ),
      ),
    );
    for (const n of NVAS) mark(n.kind, 'update', `yes (${n.prefix})`);
  });

  it('exchanges KEEPALIVEs: sessions outlive two hold times without a state change', async () => {
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2 * HOLD * 1000 + 1000));
    const all = events();
    // A drop is listed with the NOTIFICATIONs around it, so a failure names the code and side,
    // and with what the NVA's own log says of its sessions (why it reset one, which connection it refused).
    const drops = all.filter(
      (e) =>
        e.at >= since &&
        ((e.type === 'state' && e.from === 'Established') || e.type.startsWith('notification')),
    );
    const nvaLogs = NVAS.filter((n) => drops.some((e) => e.peer === n.address)).map(
      (n) => `${n.kind}:\n${daemons.get(n.kind)!.logLines(NVA_SESSION_LOG).slice(-40).join('\n')}`,
    );
    expect(drops, nvaLogs.join('\n')).toEqual([]);
    for (const n of NVAS) {
      const sessions = await daemons.get(n.kind)!.sessions();
      expect(
        sessions
          .filter((s) => s.state === 'Established')
          .map((s) => s.peer)
          .sort(),
      ).toEqual([IN_0, IN_1]);
    }
  });

  it('detects a frozen daemon by hold timer expiry and sends Hold Timer Expired on both sessions', async () => {
    const frozenAt = Date.now();
    for (const node of nodes.values()) await signalNamespace(node, 'SIGSTOP');
    try {
      await waitEvents(
        'Hold Timer Expired sent on all 10 sessions',
        (all) =>
          NVAS.every((n) =>
            [IN_0, IN_1].every((local) =>
              all.some(
                (e) =>
                  e.type === 'notification-sent' &&
                  e.code === 4 &&
                  e.localAddress === local &&
                  e.peer === n.address &&
                  e.at >= frozenAt,
              ),
            ),
          ),
        3 * HOLD * 1000,
      );
      const expiries = events().filter(
        (e) => e.type === 'state' && e.reason === 'BGPRS_ERR_FSM_HOLD_TIMER_EXPIRED' && e.at >= frozenAt,
      );
      for (const n of NVAS) {
        const mine = expiries.filter((e) => e.peer === n.address);
        expect(mine.length).toBeGreaterThanOrEqual(2);
        const seconds = ((Math.max(...mine.map((e) => e.at)) - frozenAt) / 1000).toFixed(1);
        mark(n.kind, 'holdExpiry', `yes (≤ ${seconds} s)`);
      }
    } finally {
      // Taken before the first daemon runs again: a quick one (ExaBGP) is
      // Established and has sent its prefix before the next test starts.
      resumedAt = Date.now();
      for (const node of nodes.values()) await signalNamespace(node, 'SIGCONT');
    }
  });

  it('recovers once the daemon runs again: both sessions Established and the prefix received again', async () => {
    await waitEvents(
      'all 10 sessions Established again with their prefix',
      (all) =>
        NVAS.every((n) =>
          [IN_0, IN_1].every(
            (local) =>
              isUp(all, local, n.address) &&
              all.some(
                (e) =>
                  e.type === 'update' &&
                  e.localAddress === local &&
                  e.peer === n.address &&
                  e.at >= resumedAt &&
                  e.nlri?.includes(n.prefix),
              ),
          ),
        ),
      120_000,
    );
    const all = events();
    for (const n of NVAS) {
      const up = all.filter(
        (e) => e.type === 'state' && e.peer === n.address && e.to === 'Established' && e.at >= resumedAt,
      );
      const seconds = ((Math.max(...up.map((e) => e.at)) - resumedAt) / 1000).toFixed(1);
      mark(n.kind, 'recovery', `yes (${seconds} s)`);
    }
  });
});

/** Signals every process in a node's namespace (the daemon and its helpers). */
async function signalNamespace(node: LabNode, signal: NodeJS.Signals): Promise<void> {
  for (const pid of await namespacePids(node.namespace)) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

function printMatrix(): void {
  const header = ['daemon', 'Established', 'UPDATE received', 'hold-timer expiry', 'recovery'];
  const rows = [...matrix.entries()].map(([kind, r]) => [
    kind,
    r.established,
    r.update,
    r.holdExpiry,
    r.recovery,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(
    [
      '\nbgp/session interop matrix (AS 65515, hold 9 s)',
      line(header),
      line(widths.map((w) => '-'.repeat(w))),
      ...rows.map(line),
    ].join('\n'),
  );
}
