/**
 * Monitoring peer: one session to the DUT that counts the plan's /24s as
 * UPDATEs arrive, in a byte-per-prefix bitmap (no object per prefix), and
 * stamps the host-wide clock at the first change of a phase and when a
 * waited-for count is reached. Driven over a unix control socket.
 *
 *   node --import tsx bench/harness/monitor.ts <control.sock> <config.json>
 *
 * config: { dut, port, address, asn }
 * Commands: start, waitUp, mark, waitPresent, waitQuiet, stats.
 */
import { readFileSync } from 'node:fs';
import { serveControl } from './control.js';
import type { Json } from './control.js';
import { MiniSession } from './speaker.js';
import { PrefixCounter } from './counter.js';
import { now } from './wire.js';

interface Waiter {
  readonly count: number;
  readonly resolve: (at: number) => void;
}

function main(): void {
  const [controlPath, configPath] = process.argv.slice(2);
  if (!controlPath || !configPath) throw new Error('usage: monitor.ts <control.sock> <config.json>');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
    dut: string;
    port: number;
    address: string;
    asn: number;
  };
  const counter = new PrefixCounter();
  let waiters: Waiter[] = [];
  const session = new MiniSession({
    localAddress: config.address,
    remoteAddress: config.dut,
    port: config.port,
    asn: config.asn,
    onUpdate: (b, start, length) => counter.update(b, start, length),
    onChunk: () => {
      if (waiters.length === 0) return;
      const reached = waiters.filter((w) => w.count === counter.present);
      if (reached.length === 0) return;
      const at = now();
      waiters = waiters.filter((w) => w.count !== counter.present);
      for (const w of reached) w.resolve(at);
    },
  });

  const handle = async (request: Json): Promise<Json> => {
    switch (request.cmd) {
      case 'start':
        session.start();
        return {};
      case 'waitUp':
        await session.whenEstablished();
        return { at: session.establishedAt };
      case 'mark':
        counter.firstAt = 0;
        return { at: now() };
      case 'waitPresent':
        return waitPresent(Number(request.count), Number(request.timeoutMs ?? 600_000));
      case 'waitQuiet': {
        const quietMs = Number(request.ms);
        while (now() - counter.lastAt < quietMs) await new Promise((r) => setTimeout(r, quietMs / 4));
        return { lastAt: counter.lastAt, present: counter.present };
      }
      case 'stats':
        return {
          present: counter.present,
          announced: counter.announced,
          withdrawn: counter.withdrawn,
          other: counter.other,
          firstAt: counter.firstAt,
          lastAt: counter.lastAt,
          losses: session.losses,
          notifications: session.notifications,
          established: session.established,
        };
      default:
        throw new Error(`unknown command ${String(request.cmd)}`);
    }
  };

  const waitPresent = (count: number, timeoutMs: number): Promise<Json> => {
    const result = (at: number): Json => ({ at, firstAt: counter.firstAt, present: counter.present });
    if (counter.present === count) return Promise.resolve(result(now()));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(result(at));
        },
      };
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== waiter);
        reject(new Error(`timeout: ${counter.present} of ${count} prefixes after ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  };

  serveControl(controlPath, handle);
}

main();
