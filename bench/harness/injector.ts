/**
 * Load generator: N injector peers in one process, each with its own source
 * address and ASN, sending pre-encoded UPDATEs as fast as the DUT's sockets
 * take them. Driven by the bench runner over a unix control socket.
 *
 *   node --import tsx bench/harness/injector.ts <control.sock> <config.json>
 *
 * config: { dut, port, prefixesPerPeer, packing, perSet?, peers: [{ address, asn }] }
 * Commands: start, waitUp, announce, withdraw, stop, churn, stats (see handle()).
 */
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { serveControl } from './control.js';
import type { Json } from './control.js';
import { MiniSession } from './speaker.js';
import { END_OF_RIB, ipv4Number, now } from './wire.js';
import { encodeAnnounce, encodePeer, encodeWithdraw } from './table.js';
import type { Packing, PeerPlan, PeerStreams } from './table.js';

export interface InjectorConfig {
  readonly dut: string;
  readonly port: number;
  readonly prefixesPerPeer: number;
  readonly packing: Packing;
  readonly perSet?: number;
  /** import-only scenario: do not read what the DUT sends (see MiniSession) */
  readonly pauseReading?: boolean;
  readonly peers: readonly { readonly address: string; readonly asn: number }[];
}

const SLICE = 256 * 1024;

interface Peer {
  readonly plan: PeerPlan;
  readonly session: MiniSession;
  streams: PeerStreams;
  churn?: { withdraw: Buffer[]; announce: Buffer[] };
}

/** Writes `bytes` in slices, waiting for 'drain' whenever the socket is full; resolves once the kernel has it all. */
export async function writeAll(session: MiniSession, bytes: Buffer): Promise<void> {
  const socket = session.socket;
  if (!socket || !session.established) throw new Error(`${session.options.localAddress}: not established`);
  session.bulkWrites++;
  try {
    await writeSlices(socket, bytes);
  } finally {
    session.bulkWrites--;
  }
}

async function writeSlices(socket: Socket, bytes: Buffer): Promise<void> {
  for (let o = 0; o < bytes.length; o += SLICE) {
    const last = o + SLICE >= bytes.length;
    const part = bytes.subarray(o, o + SLICE);
    if (last) {
      await new Promise<void>((resolve, reject) =>
        socket.write(part, (error) => (error ? reject(error) : resolve())),
      );
    } else if (!socket.write(part)) {
      await new Promise<void>((resolve, reject) => {
        const onClose = (): void => reject(new Error('session closed while sending'));
        socket.once('close', onClose);
        socket.once('drain', () => {
          socket.off('close', onClose);
          resolve();
        });
      });
    }
  }
}

function main(): void {
  const [controlPath, configPath] = process.argv.slice(2);
  if (!controlPath || !configPath) throw new Error('usage: injector.ts <control.sock> <config.json>');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as InjectorConfig;
  const peers: Peer[] = config.peers.map((p, i) => {
    const plan: PeerPlan = {
      asn: p.asn,
      nextHop: ipv4Number(p.address),
      first: i * config.prefixesPerPeer,
      count: config.prefixesPerPeer,
      packing: config.packing,
      ...(config.perSet ? { perSet: config.perSet } : {}),
    };
    const session = new MiniSession({
      localAddress: p.address,
      remoteAddress: config.dut,
      port: config.port,
      asn: p.asn,
      pauseWhenEstablished: config.pauseReading ?? false,
    });
    return { plan, session, streams: encodePeer(plan) };
  });
  const pick = (request: Json): Peer[] =>
    Array.isArray(request.peers) ? (request.peers as number[]).map((i) => peers[i]!) : peers;

  const send = async (chosen: Peer[], what: (p: Peer) => Buffer): Promise<Json> => {
    const startAt = now();
    await Promise.all(
      chosen.map(async (p) => {
        await writeAll(p.session, what(p));
        await writeAll(p.session, END_OF_RIB);
      }),
    );
    return { startAt, doneAt: now() };
  };

  const handle = async (request: Json): Promise<Json> => {
    switch (request.cmd) {
      case 'info':
        return {
          updates: peers.reduce((n, p) => n + p.streams.updates, 0),
          bytes: peers.reduce((n, p) => n + p.streams.announce.length, 0),
        };
      case 'start':
        for (const p of pick(request)) p.session.start();
        return {};
      case 'waitUp': {
        const chosen = pick(request);
        await Promise.all(chosen.map((p) => p.session.whenEstablished()));
        return { at: Math.max(...chosen.map((p) => p.session.establishedAt)) };
      }
      case 'announce':
        return send(pick(request), (p) => p.streams.announce);
      case 'withdraw':
        return send(pick(request), (p) => p.streams.withdraw);
      case 'stop':
        for (const p of pick(request)) p.session.stop();
        return { at: now() };
      case 'churn':
        return churn(peers, Number(request.seconds), Number(request.fraction), Number(request.rate ?? 0));
      case 'stats':
        return {
          established: peers.filter((p) => p.session.established).length,
          losses: peers.reduce((n, p) => n + p.session.losses, 0),
          notifications: peers.flatMap((p) => p.session.notifications),
          bytesIn: peers.reduce((n, p) => n + p.session.bytesIn, 0),
        };
      default:
        throw new Error(`unknown command ${String(request.cmd)}`);
    }
  };
  serveControl(controlPath, handle);
}

/**
 * Withdraws and re-announces rotating slices of `fraction` of every peer's
 * table until `seconds` have passed (the last cycle always ends with its
 * re-announcement, so the table is whole afterwards): back to back as fast
 * as the sockets take them, or paced to `rate` prefix updates/s (> 0).
 */
async function churn(peers: Peer[], seconds: number, fraction: number, rate: number): Promise<Json> {
  const slices = Math.max(1, Math.round(1 / fraction));
  for (const p of peers) {
    if (p.churn) continue;
    const size = Math.floor(p.plan.count / slices);
    const withdraw: Buffer[] = [];
    const announce: Buffer[] = [];
    for (let s = 0; s < slices; s++) {
      withdraw.push(encodeWithdraw(p.plan, s * size, size));
      announce.push(encodeAnnounce(p.plan, s * size, size).bytes);
    }
    p.churn = { withdraw, announce };
  }
  const startAt = now();
  let cycles = 0;
  let prefixEvents = 0;
  while (now() - startAt < seconds * 1000) {
    const s = cycles % slices;
    await Promise.all(
      peers.map(async (p) => {
        await writeAll(p.session, p.churn!.withdraw[s]!);
        await writeAll(p.session, p.churn!.announce[s]!);
      }),
    );
    for (const p of peers) prefixEvents += 2 * Math.floor(p.plan.count / slices);
    cycles++;
    const ahead = rate > 0 ? (prefixEvents / rate) * 1000 - (now() - startAt) : 0;
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
  }
  const endAt = now();
  return { startAt, endAt, cycles, prefixEvents };
}

main();
