/**
 * TCP-MD5 in /metrics (docs/tcp-md5.md, docs/serve.md "Metrics"):
 * - `routeserver_bgp_tcp_md5_failures_total{bgppeerip}`: peerings whose key
 *   could not be installed (no addon, the kernel refused); their sessions
 *   stay down. Counted from the session events (`tcp-md5-failed`).
 * - `routeserver_tcp_md5_segments_dropped_total{reason}`: the kernel's own
 *   counts of the TCP segments it dropped (Linux TcpExt, read from
 *   /proc/net/netstat of the daemon's network namespace at scrape time):
 *   `not_found` (TCPMD5NotFound: a peer with a key sent no signature),
 *   `failure` (TCPMD5Failure: a wrong signature, i.e. a wrong key),
 *   `unexpected` (TCPMD5Unexpected: signed, but we have no key for it). A
 *   peer with a wrong key never reaches our process: these counters are
 *   where it shows.
 */
import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { Counter, type Registry } from 'prom-client';
import { SESSION_CHANNEL, type SessionEvent } from '../bgp/session/index.js';

const KERNEL_COUNTERS = {
  TCPMD5NotFound: 'not_found',
  TCPMD5Failure: 'failure',
  TCPMD5Unexpected: 'unexpected',
} as const;

/** TcpExt counters by name from the text of /proc/net/netstat (a header line, then a value line). */
export function tcpExtCounters(netstat: string): Map<string, number> {
  const lines = netstat.split('\n').filter((line) => line.startsWith('TcpExt:'));
  const counters = new Map<string, number>();
  if (lines.length < 2) return counters;
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1);
  names.forEach((name, i) => counters.set(name, Number(values[i])));
  return counters;
}

/** Registers both metrics; returns the unsubscribe function. */
export function countTcpMd5(registry: Registry, netstatPath = '/proc/net/netstat'): () => void {
  const failures = new Counter({
    name: 'routeserver_bgp_tcp_md5_failures_total',
    help: 'TCP-MD5 keys that could not be installed for a peering (its session stays down)',
    labelNames: ['bgppeerip'],
    registers: [registry],
  });
  new Counter({
    name: 'routeserver_tcp_md5_segments_dropped_total',
    help: "TCP segments the kernel dropped for their TCP-MD5 signature (Linux TcpExt counters of the daemon's namespace)",
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      let counters: Map<string, number>;
      try {
        counters = tcpExtCounters(readFileSync(netstatPath, 'utf8'));
      } catch {
        return; // not Linux, or no /proc: no series
      }
      this.reset();
      for (const [name, reason] of Object.entries(KERNEL_COUNTERS)) {
        const value = counters.get(name);
        if (value !== undefined && Number.isFinite(value)) this.inc({ reason }, value);
      }
    },
  });
  const onMessage = (message: unknown) => {
    const event = message as SessionEvent;
    if (event.type === 'tcp-md5-failed') failures.inc({ bgppeerip: event.peer });
  };
  diagnostics.subscribe(SESSION_CHANNEL, onMessage);
  return () => diagnostics.unsubscribe(SESSION_CHANNEL, onMessage);
}
