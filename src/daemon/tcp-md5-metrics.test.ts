import diagnostics from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SESSION_CHANNEL } from '../bgp/session/index.js';
import { countTcpMd5, tcpExtCounters } from './tcp-md5-metrics.js';

const NETSTAT = [
  'TcpExt: SyncookiesSent TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure',
  'TcpExt: 0 7 1 3',
  'IpExt: InNoRoutes',
  'IpExt: 0',
  '',
].join('\n');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('TCP-MD5 metrics', () => {
  it('reads TcpExt counters by name from /proc/net/netstat text', () => {
    const counters = tcpExtCounters(NETSTAT);
    expect(counters.get('TCPMD5NotFound')).toBe(7);
    expect(counters.get('TCPMD5Failure')).toBe(3);
    expect(counters.has('InNoRoutes')).toBe(false);
    expect(tcpExtCounters('Ip: 1\nIp: 2\n').size).toBe(0);
  });

  it("serves the kernel's dropped-segment counts by reason and counts keys that could not be installed", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcp-md5-metrics-'));
    cleanups.push(() => rmSync(dir, { recursive: true }));
    writeFileSync(join(dir, 'netstat'), NETSTAT);
    const registry = new Registry();
    cleanups.push(countTcpMd5(registry, join(dir, 'netstat')));
    diagnostics.channel(SESSION_CHANNEL).publish({
      type: 'tcp-md5-failed',
      localAddress: '10.1.0.4',
      peer: '10.1.1.4',
      message: 'no addon',
    });
    const text = await registry.metrics();
    expect(text).toContain('routeserver_tcp_md5_segments_dropped_total{reason="not_found"} 7');
    expect(text).toContain('routeserver_tcp_md5_segments_dropped_total{reason="failure"} 3');
    expect(text).toContain('routeserver_tcp_md5_segments_dropped_total{reason="unexpected"} 1');
    expect(text).toContain('routeserver_bgp_tcp_md5_failures_total{bgppeerip="10.1.1.4"} 1');
  });
});
