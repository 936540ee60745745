/**
 * Warm-up of an instance thread: before the instance listens, a synthetic
 * table goes through a throwaway route engine and the encoder of the routes
 * handed to the main thread, the way peers' tables will.
 *
 * V8 runs a function in its interpreter until it has been called often
 * enough, then compiles it with the types it has seen. Without a warm-up the
 * first tables peers send after a start (every NVA at once, the moment that
 * decides how long the VNet goes without routes) are handled by code that is
 * still being compiled: scenario (a) of `npm run bench` (8 peers × 4,000
 * prefixes) took 0.41–0.51 s from the sessions' establishment to the last
 * prefix at the monitor without it and 0.27–0.37 s with it.
 *
 * The defaults (16 rounds of 250 prefixes per peer, about 90–170 ms at
 * start) are many calls of the per-prefix code with little alive at once:
 * 2 rounds of 4,000 helped as much but grew each thread's young generation
 * to 16 MB, which an idle instance then keeps (+30–40 MB of peak RSS in
 * scenarios a and b; these defaults add 5–8 MB in a).
 *
 * The engine is the real one (src/rib/engine.ts): UPDATEs encoded and
 * decoded by the codec, four peers from private ASNs, two of them announcing
 * the same prefixes (an ECMP pair) and one with a longer AS path, the
 * updates sent to every peer encoded and decoded again, and the injected
 * routes encoded as the instance's batches to the main thread are. Nothing
 * leaves the thread: no socket, no event (`publishEvent` drops them), no
 * batch posted. Everything is garbage once it returns.
 */
import { BASE_CONTEXT, decode, MessageFramer, UpdateBuilder } from '../bgp/codec/index.js';
import type { CodecContext, PathAttributes, UpdateMessage } from '../bgp/codec/index.js';
import { ipv4KeyOf } from '../lib/prefix.js';
import { RouteEngine } from '../rib/index.js';
import type { InjectedRouteBatch, PeerOutput, VirtualNetworkView } from '../rib/index.js';
import { RouteBatchEncoder } from './protocol.js';

const CONTEXT: CodecContext = { ...BASE_CONTEXT, fourOctetAs: true };
/** The address spaces of the synthetic VNet: 10.0.0.0/16, where the route server and the peers are. */
const VNET = { family: 4, address: 0x0a000000, length: 16 } as const;
const PEERS = 4;

interface WarmUpOptions {
  /** prefixes each peer announces per round; default 250 */
  readonly prefixesPerPeer?: number;
  /** announce-all / withdraw-all rounds; default 16 */
  readonly rounds?: number;
}

interface WarmUpReport {
  /** prefixes announced in all (each withdrawn again) */
  readonly prefixes: number;
  /** UPDATEs the engine sent to the synthetic peers */
  readonly updatesSent: number;
  /** changes encoded for the main thread */
  readonly injected: number;
  readonly milliseconds: number;
}

export function warmUpInstanceThread(options: WarmUpOptions = {}): WarmUpReport {
  const started = performance.now();
  const perPeer = options.prefixesPerPeer ?? 250;
  const rounds = options.rounds ?? 16;
  const tasks: (() => void)[] = [];
  const network: VirtualNetworkView = {
    advertisedAddressSpaces: () => [VNET],
    isInjectable: (p) => !(p.family === 4 && p.length >= 16 && p.address >>> 16 === VNET.address >>> 16),
    onAddressSpacesChanged: () => () => undefined,
  };
  const encoder = new RouteBatchEncoder();
  let injected = 0;
  const sink = {
    applyInjectedRoutes: (_instance: string, changes: InjectedRouteBatch): void => {
      for (let i = 0; i < changes.size; i++) {
        const id = changes.hopSetAt(i);
        encoder.add(changes.keyAt(i), id === 0 ? undefined : changes.hopSet(id));
      }
      injected += encoder.take().v4.length / 2;
    },
  };
  const engine = new RouteEngine({
    instance: 'IN_0',
    localAddress: '10.0.0.4',
    network,
    sink,
    routeLimit: perPeer * 2,
    schedule: (task) => void tasks.push(task),
    publishEvent: () => undefined,
  });
  const framer = new MessageFramer();
  let updatesSent = 0;
  const output: PeerOutput = {
    send: (buffers) => {
      for (const buffer of buffers)
        for (const message of framer.push(buffer))
          if (decode(message, CONTEXT).type === 'update') updatesSent++;
      return true;
    },
    onDrain: () => undefined,
  };
  const runSlices = (): void => {
    for (let task = tasks.shift(); task !== undefined; task = tasks.shift()) task();
  };
  const addresses = Array.from({ length: PEERS }, (_, i) => `10.0.1.${i + 4}`);
  addresses.forEach((address, i) => {
    const routerId = 0x0a000104 + i;
    engine.peerUp(
      address,
      { address, asn: 65001 + i, routerId, capabilities: { context: CONTEXT, routeRefresh: true } },
      output,
    );
  });
  for (let round = 0; round < rounds; round++) {
    for (const withdraw of [false, true]) {
      addresses.forEach((address, peer) => {
        for (const update of updatesOf(peer, perPeer, withdraw)) engine.receiveUpdate(address, update);
      });
      runSlices();
    }
  }
  for (const address of addresses) engine.peerDown(address);
  runSlices();
  engine.dispose();
  return {
    prefixes: PEERS * perPeer * rounds,
    updatesSent,
    injected,
    milliseconds: performance.now() - started,
  };
}

/**
 * One peer's table as decoded UPDATEs: peers 0 and 1 announce the same /24s
 * (an ECMP pair), peer 2 its own /24s with a longer AS path and a community,
 * peer 3 host routes and /20s; every prefix outside the synthetic VNet.
 */
function updatesOf(peer: number, count: number, withdraw: boolean): UpdateMessage[] {
  const keys: number[] = [];
  for (let i = 0; i < count; i++) {
    if (peer < 2) keys.push(ipv4KeyOf((0x64000000 + i * 256) >>> 0, 24));
    else if (peer === 2) keys.push(ipv4KeyOf((0x65000000 + i * 256) >>> 0, 24));
    else
      keys.push(
        i % 2 === 0 ? ipv4KeyOf((0xac100000 + i) >>> 0, 32) : ipv4KeyOf((0x66000000 + i * 4096) >>> 0, 20),
      );
  }
  const builder = new UpdateBuilder(CONTEXT);
  if (withdraw) builder.withdraw(keys);
  else builder.announce(attributesOf(peer), keys);
  const updates: UpdateMessage[] = [];
  for (const message of new MessageFramer().push(builder.take()))
    updates.push(decode(message, CONTEXT) as UpdateMessage);
  return updates;
}

function attributesOf(peer: number): PathAttributes {
  const asn = 65001 + peer;
  return {
    origin: 0,
    asPath: [{ type: 2, asns: peer === 2 ? [asn, 64512, 64513] : [asn] }],
    nextHop: 0x0a000104 + peer,
    ...(peer === 2 ? { communities: [asn * 65536 + 100] } : {}),
  };
}
