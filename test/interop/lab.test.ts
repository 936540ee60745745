/**
 * Self-test of the interop lab: independent daemons paired in one lab, each
 * of the five in at least one pairing — FRR ↔ BIRD (eBGP multihop, 4-byte
 * ASN), ExaBGP ↔ FRR (directly connected), GoBGP ↔ OpenBGPD (multihop,
 * 4-byte ASN; GoBGP passive because it dials only after 5–9 s). Checks
 * sessions, routes at start, runtime announce and withdraw through the
 * read-back API, and that teardown leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDaemon, isAlive, isClean, Lab } from '../lab/index.js';
import type { BgpDaemon, DaemonKind } from '../lab/index.js';
import { namespacePids } from '../lab/lab.js';

interface Speaker {
  kind: DaemonKind;
  address: string;
  asn: number;
  /** index used to derive this speaker's test prefixes */
  n: number;
}

const SPEAKERS: Speaker[] = [
  { kind: 'frr', address: '10.0.1.4', asn: 65001, n: 1 },
  { kind: 'bird', address: '10.0.1.5', asn: 4200000002, n: 2 },
  { kind: 'exabgp', address: '10.0.1.6', asn: 65003, n: 3 },
  { kind: 'gobgp', address: '10.0.1.7', asn: 65004, n: 4 },
  { kind: 'openbgpd', address: '10.0.1.8', asn: 4200000005, n: 5 },
];

/** [a, b, multihop TTL or undefined for a direct session, b passive] */
const PAIRS: [DaemonKind, DaemonKind, number | undefined, boolean][] = [
  ['frr', 'bird', 2, false],
  ['exabgp', 'frr', undefined, false],
  ['openbgpd', 'gobgp', 2, true],
];

const plainPrefix = (s: Speaker): string => `10.${200 + s.n}.0.0/16`;
const taggedPrefix = (s: Speaker): string => `10.${210 + s.n}.0.0/16`;
const runtimePrefix = (s: Speaker): string => `10.${220 + s.n}.0.0/16`;
const community = (s: Speaker): string => `65000:${s.n}`;
/** Runtime prepend: a list of ASNs, or a count where the daemon can only repeat its own (OpenBGPD prepend-self). */
const runtimePrepend = (s: Speaker): number | number[] => (s.kind === 'openbgpd' ? 1 : [64512]);
const expectedRuntimePath = (s: Speaker): number[] => {
  const prepend = runtimePrepend(s);
  return [s.asn, ...(typeof prepend === 'number' ? Array<number>(prepend).fill(s.asn) : prepend)];
};
const speaker = (kind: DaemonKind): Speaker => SPEAKERS.find((s) => s.kind === kind)!;

/** Every ordered (sender, receiver) pair that has a session. */
const DIRECTIONS: [Speaker, Speaker][] = PAIRS.flatMap(([a, b]) => [
  [speaker(a), speaker(b)],
  [speaker(b), speaker(a)],
]);

describe('interop lab', () => {
  let lab: Lab;
  const daemons = new Map<DaemonKind, BgpDaemon>();
  const daemon = (kind: DaemonKind): BgpDaemon => daemons.get(kind)!;

  beforeAll(async () => {
    lab = await Lab.create({ name: 'selftest' });
    for (const s of SPEAKERS) {
      const node = await lab.addNode(s.kind, [`${s.address}/16`]);
      const peers = PAIRS.flatMap(([a, b, multihopTtl, bPassive]) => {
        const other = a === s.kind ? b : b === s.kind ? a : undefined;
        if (!other) return [];
        const o = speaker(other);
        return [{ address: o.address, asn: o.asn, multihopTtl, passive: b === s.kind && bPassive }];
      });
      const announce = [
        plainPrefix(s),
        { prefix: taggedPrefix(s), communities: [community(s)], asPathPrepend: 2 },
      ];
      daemons.set(
        s.kind,
        createDaemon(s.kind, lab, node, { asn: s.asn, localAddress: s.address, peers, announce }),
      );
    }
    await Promise.all([...daemons.values()].map((d) => d.start()));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('brings every pairing to Established', async () => {
    await Promise.all(DIRECTIONS.map(([from, to]) => daemon(from.kind).waitEstablished(to.address, 60_000)));
    for (const [from, to] of DIRECTIONS) {
      const sessions = await daemon(from.kind).sessions();
      expect(sessions).toContainEqual({ peer: to.address, state: 'Established' });
    }
  });

  it.each(DIRECTIONS.map(([from, to]) => [from.kind, to.kind, from, to] as const))(
    'delivers a prefix %s announces at start to %s with its AS path and next hop',
    async (_f, _t, from, to) => {
      const route = await daemon(to.kind).waitRoute(plainPrefix(from), { peer: from.address });
      expect(route.asPath).toEqual([from.asn]);
      expect(route.nextHop).toBe(from.address);
    },
  );

  it.each(DIRECTIONS.map(([from, to]) => [from.kind, to.kind, from, to] as const))(
    'carries the communities and AS-path prepend %s sets at start to %s',
    async (_f, _t, from, to) => {
      const route = await daemon(to.kind).waitRoute(taggedPrefix(from), { peer: from.address });
      expect(route.asPath).toEqual([from.asn, from.asn, from.asn]);
      expect(route.communities).toContain(community(from));
    },
  );

  it('delivers a prefix announced at runtime, with its communities and prepend', async () => {
    await Promise.all(
      SPEAKERS.map((s) =>
        daemon(s.kind).announce(runtimePrefix(s), {
          communities: [community(s)],
          asPathPrepend: runtimePrepend(s),
        }),
      ),
    );
    for (const [from, to] of DIRECTIONS) {
      const route = await daemon(to.kind).waitRoute(runtimePrefix(from), { peer: from.address });
      expect(route.asPath, `${from.kind} → ${to.kind}`).toEqual(expectedRuntimePath(from));
      expect(route.nextHop).toBe(from.address);
      expect(route.communities).toContain(community(from));
    }
  });

  it('removes a prefix withdrawn at runtime and keeps the others', async () => {
    for (const [from, to] of DIRECTIONS) {
      await daemon(to.kind).waitRoute(runtimePrefix(from), { peer: from.address });
    }
    await Promise.all(SPEAKERS.map((s) => daemon(s.kind).withdraw(runtimePrefix(s))));
    for (const [from, to] of DIRECTIONS) {
      await daemon(to.kind).waitNoRoute(runtimePrefix(from), { peer: from.address });
      const routes = await daemon(to.kind).routes();
      expect(routes.map((r) => r.prefix)).toContain(plainPrefix(from));
    }
  });

  it('leaves no process, namespace, veth or bridge after destroy', async () => {
    const pids = (await Promise.all(lab.namespaces.map((ns) => namespacePids(ns)))).flat();
    const daemonPids = [...daemons.values()].map((d) => d.pid!);
    expect(pids).toEqual(expect.arrayContaining(daemonPids));
    await lab.destroy();
    expect([...pids, ...daemonPids].filter(isAlive)).toEqual([]);
    const leftovers = await Lab.leftovers(lab.prefix);
    expect(leftovers).toEqual({ namespaces: [], processes: [], links: [] });
    expect(isClean(leftovers)).toBe(true);
  });
});

describe('interop lab over IPv6', () => {
  // FRR as a hub with a directly connected IPv6 session to each of the other four.
  const HUB = { kind: 'frr' as DaemonKind, address: 'fd00::4', asn: 65010 };
  const SPOKES = (['bird', 'exabgp', 'gobgp', 'openbgpd'] as const).map((kind, i) => ({
    kind,
    address: `fd00::${i + 5}`,
    asn: 65011 + i,
    prefix: `2001:db8:${i + 1}::/48`,
    runtimePrefix: `2001:db8:${i + 1}:ff::/64`,
    routerId: `10.0.1.${i + 5}`,
  }));
  let lab: Lab;
  let hub: BgpDaemon;
  const spokes: BgpDaemon[] = [];

  beforeAll(async () => {
    lab = await Lab.create({ name: 'selftest6' });
    const hubNode = await lab.addNode('hub', [`${HUB.address}/64`]);
    hub = createDaemon(HUB.kind, lab, hubNode, {
      asn: HUB.asn,
      localAddress: HUB.address,
      routerId: '10.0.1.4',
      peers: SPOKES.map((s) => ({ address: s.address, asn: s.asn })),
      announce: ['2001:db8::/48'],
    });
    for (const s of SPOKES) {
      const node = await lab.addNode(s.kind, [`${s.address}/64`]);
      const peer = { address: HUB.address, asn: HUB.asn, passive: s.kind === 'gobgp' };
      spokes.push(
        createDaemon(s.kind, lab, node, {
          asn: s.asn,
          localAddress: s.address,
          routerId: s.routerId,
          peers: [peer],
          announce: [s.prefix],
        }),
      );
    }
    await Promise.all([hub, ...spokes].map((d) => d.start()));
  });

  afterAll(async () => {
    await lab?.destroy();
  });

  it('gives each node exactly its addresses, none tentative, as soon as it is added', async () => {
    // A kernel-made link-local would be tentative for a second or two after
    // the link comes up; BIRD would then send a link-local next hop or not
    // depending on how fast it started, and FRR without zebra drops such
    // routes. Checked on a fresh node, before any daemon could wait for it.
    const node = await lab.addNode('probe', ['fd00::99/64', '10.0.9.9/16']);
    const shown = await lab.exec(node, 'ip', ['-j', 'addr', 'show', 'dev', 'eth0']);
    const [link] = JSON.parse(shown.stdout) as {
      operstate: string;
      addr_info: { local: string; prefixlen: number; tentative?: boolean }[];
    }[];
    expect(link!.operstate).toBe('UP');
    expect(link!.addr_info.map((a) => `${a.local}/${a.prefixlen}`).sort()).toEqual([
      '10.0.9.9/16',
      'fd00::99/64',
    ]);
    expect(link!.addr_info.filter((a) => a.tentative)).toEqual([]);
  });

  it('brings an IPv6 session with each daemon to Established', async () => {
    await Promise.all(spokes.map((d) => d.waitEstablished(HUB.address, 60_000)));
    await Promise.all(SPOKES.map((s) => hub.waitEstablished(s.address, 60_000)));
  });

  it('exchanges IPv6 prefixes with global next hops both ways', async () => {
    for (const [i, s] of SPOKES.entries()) {
      const atHub = await hub.waitRoute(s.prefix, { peer: s.address });
      expect(atHub.asPath).toEqual([s.asn]);
      expect(atHub.nextHop).toBe(s.address);
      const atSpoke = await spokes[i]!.waitRoute('2001:db8::/48', { peer: HUB.address });
      expect(atSpoke.asPath).toEqual([HUB.asn]);
      expect(atSpoke.nextHop).toBe(HUB.address);
    }
  });

  it('announces and withdraws IPv6 prefixes at runtime', async () => {
    await Promise.all(
      SPOKES.map((s, i) => spokes[i]!.announce(s.runtimePrefix, { communities: ['65010:6'] })),
    );
    for (const s of SPOKES) {
      const route = await hub.waitRoute(s.runtimePrefix, { peer: s.address });
      expect(route.communities).toContain('65010:6');
    }
    await Promise.all(SPOKES.map((s, i) => spokes[i]!.withdraw(s.runtimePrefix)));
    for (const s of SPOKES) await hub.waitNoRoute(s.runtimePrefix, { peer: s.address });
  });

  it('leaves nothing behind after destroy', async () => {
    await lab.destroy();
    expect(await Lab.leftovers(lab.prefix)).toEqual({ namespaces: [], processes: [], links: [] });
  });
});
