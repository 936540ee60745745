import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from './daemon.js';

const running: Array<{ daemon: Daemon; dataDir: string }> = [];
afterEach(async () => {
  for (const { daemon, dataDir } of running.splice(0)) {
    await daemon.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

async function serve(api: boolean): Promise<Daemon> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rs-metrics-listen-'));
  const daemon = await startDaemon({
    dataDir,
    apiListen: { host: '127.0.0.1', port: 0 },
    api,
    metricsListen: { host: '127.0.0.1', port: 0 },
    // the runtime runs (no route server configured): its metrics are collected
    bgp: { port: 0 },
    logger: pino({ level: 'silent' }),
  });
  running.push({ daemon, dataDir });
  return daemon;
}

describe('--metrics-listen', () => {
  it('serves /metrics over plain HTTP in a process without the API', async () => {
    const daemon = await serve(false);
    expect(daemon.apiUrl).toBeUndefined();
    expect(daemon.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(daemon.metricsUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('# TYPE BgpPeerStatus gauge');
    expect(text).toContain('routeserver_bgp_connections_refused_total');
  });

  it('serves nothing but /metrics there', async () => {
    const daemon = await serve(false);
    const base = daemon.metricsUrl!.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/subscriptions`)).status).toBe(404);
    expect((await fetch(daemon.metricsUrl!, { method: 'POST' })).status).toBe(405);
  });

  it('stops listening when the process stops', async () => {
    const daemon = await serve(true);
    const url = daemon.metricsUrl!;
    expect((await fetch(url)).status).toBe(200);
    await running.pop()!.daemon.stop();
    await expect(fetch(url)).rejects.toThrow();
  });
});
