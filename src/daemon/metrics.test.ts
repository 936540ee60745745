import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { CeaseSubcode } from '../bgp/codec/index.js';
import { RS, routeServerWithNva } from '../runtime/nva.test-support.js';
import { countNotifications, createMetrics, serveMetrics } from './metrics.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Scrapes `registry` every 20 ms until `accept` takes the text; fails after 20 s. */
async function scrapeUntil(
  what: string,
  registry: Registry,
  accept: (text: string) => boolean,
): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const text = await registry.metrics();
    if (accept(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value of one series of a Prometheus text exposition; undefined when it is absent. */
function sample(text: string, name: string, labels: Readonly<Record<string, string>>): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([^{\s]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = Object.fromEntries(
      [...match[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/** The metric names of the tables (first column) of docs/serve.md's Metrics section. */
function documentedMetrics(): string[] {
  const doc = readFileSync(new URL('../../docs/serve.md', import.meta.url), 'utf8');
  const section = doc.slice(
    doc.indexOf('\n## Metrics'),
    doc.indexOf('\n## ', doc.indexOf('\n## Metrics') + 1),
  );
  return [...section.matchAll(/^\| `([A-Za-z_:][\w:]*)[{`]/gm)].map((m) => m[1]!);
}

interface GrafanaPanel {
  readonly title: string;
  readonly targets?: readonly { readonly expr: string }[];
}

/** The metric names a PromQL expression reads (label matchers, ranges, grouping and functions left out). */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/([A-Za-z_:][\w:]*)\s*(\()?/g)]
    .filter((m) => m[2] === undefined)
    .map((m) => m[1]!);
}

describe('metrics of a running route server', () => {
  it('counts UPDATEs, announced and withdrawn prefixes per instance and peer, and NOTIFICATIONs by code', async () => {
    const registry = createMetrics(undefined);
    cleanups.push(countNotifications(registry));
    const { ip, runtime, nva, announce, withdraw } = await routeServerWithNva(cleanups);
    const metrics = createMetrics(runtime);
    cleanups.push(countNotifications(metrics));
    // IN_0: two UPDATEs (three prefixes, then one withdrawn); IN_1: one UPDATE of one prefix
    announce(ip(4), '192.168.0.0/24', '192.168.1.0/24');
    announce(ip(4), '192.168.2.0/24');
    withdraw(ip(4), '192.168.1.0/24');
    announce(ip(5), '192.168.0.0/24');
    const peer = (instance: string) => ({
      routeserver: RS,
      routeserviceinstance: `RouteServiceRole_${instance}`,
      bgppeerip: ip(10),
      bgppeertype: 'Nva',
    });
    let text = await scrapeUntil(
      'three UPDATEs at IN_0',
      metrics,
      (t) => sample(t, 'routeserver_bgp_updates_received_total', peer('IN_0')) === 3,
    );
    expect(sample(text, 'routeserver_bgp_prefixes_announced_total', peer('IN_0'))).toBe(3);
    expect(sample(text, 'routeserver_bgp_prefixes_withdrawn_total', peer('IN_0'))).toBe(1);
    expect(sample(text, 'CountOfRoutesLearnedFromPeer', peer('IN_0'))).toBe(2);
    expect(sample(text, 'BgpPeerStatus', peer('IN_0'))).toBe(1);
    text = await scrapeUntil(
      'one UPDATE at IN_1',
      metrics,
      (t) => sample(t, 'routeserver_bgp_updates_received_total', peer('IN_1')) === 1,
    );
    expect(sample(text, 'routeserver_bgp_prefixes_announced_total', peer('IN_1'))).toBe(1);
    expect(sample(text, 'routeserver_bgp_prefixes_withdrawn_total', peer('IN_1'))).toBe(0);

    // each instance thread's event-loop delay and heap
    for (const instance of ['IN_0', 'IN_1']) {
      const labels = { routeserver: RS, routeserviceinstance: `RouteServiceRole_${instance}` };
      expect(
        sample(text, 'routeserver_instance_event_loop_delay_max_seconds', labels),
      ).toBeGreaterThanOrEqual(0);
      expect(
        sample(text, 'routeserver_instance_event_loop_delay_p99_seconds', labels),
      ).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'routeserver_instance_heap_used_bytes', labels)).toBeGreaterThan(0);
      // no table fell here (src/runtime/reclaim.ts)
      expect(sample(text, 'routeserver_instance_memory_reclaims_total', labels)).toBe(0);
    }

    // the NVA resets its session with IN_1: the instance received a Cease / Administrative Reset
    nva.peer(ip(5))!.reset(CeaseSubcode.AdministrativeReset);
    const received = {
      bgppeerip: ip(10),
      direction: 'received',
      code: '6',
      subcode: '4',
      error: 'Cease / Administrative Reset',
    };
    await scrapeUntil(
      'the NOTIFICATION counted',
      metrics,
      (t) => sample(t, 'routeserver_bgp_notifications_total', received) === 1,
    );
    // a registry without the runtime counts the same events, and has no peer series
    const other = await registry.metrics();
    expect(sample(other, 'routeserver_bgp_notifications_total', received)).toBe(1);
    expect(sample(other, 'BgpPeerStatus', peer('IN_0'))).toBeUndefined();
  });

  it('serves every series docs/serve.md names, and the Grafana dashboard reads only series it serves', async () => {
    const { ip, runtime, announce, withdraw } = await routeServerWithNva(cleanups);
    const { registry: metrics, unsubscribe } = serveMetrics(runtime);
    cleanups.push(unsubscribe);
    announce(ip(4), '192.168.0.0/24');
    withdraw(ip(4), '192.168.0.0/24');
    const text = await scrapeUntil(
      'the withdrawal counted',
      metrics,
      (t) => (sample(t, 'routeserver_bgp_prefixes_withdrawn_total', { bgppeerip: ip(10) }) ?? 0) > 0,
    );
    const served = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const documented = documentedMetrics();
    expect(documented.length).toBeGreaterThanOrEqual(13);
    for (const name of documented) expect(served, `${name} (docs/serve.md)`).toContain(name);

    const dashboard = JSON.parse(
      readFileSync(new URL('../../grafana/routeserver.json', import.meta.url), 'utf8'),
    ) as { uid: string; panels: readonly GrafanaPanel[] };
    expect(dashboard.uid).toBe('routeserver');
    const read = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).flatMap((target) => metricsOf(target.expr).map((name) => ({ panel, name }))),
    );
    expect(new Set(read.map((r) => r.name)).size).toBeGreaterThanOrEqual(12);
    for (const { panel, name } of read) expect(served, `${name} in panel '${panel.title}'`).toContain(name);
    // the dashboard shows what the docs list (process metrics: the three the docs name)
    for (const name of documented)
      expect(
        read.map((r) => r.name),
        name,
      ).toContain(name);
  });
});
