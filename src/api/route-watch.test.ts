/**
 * The effective route watch over real HTTPS: snapshot on connect, one change
 * per revision, resume with Last-Event-ID after changes made while
 * disconnected, heartbeats, the watcher cap, errors, deleted NICs.
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RouteServerServiceOptions } from '../routeserver/index.js';
import { apiHarness, NET, V, type ApiHarness } from './routes/test-harness.test-support.js';
import { registerRouteWatch } from './route-watch.js';

interface StreamEvent {
  readonly id: string | undefined;
  readonly event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly data: any;
}

/** A minimal server-sent-events reader: every event and comment the stream delivered so far. */
class EventReader {
  readonly events: StreamEvent[] = [];
  comments = 0;
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];

  constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.take(chunk));
    response.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  /** Waits until `count` events arrived (or the stream ended). */
  async waitFor(count: number, timeoutMs = 5000): Promise<StreamEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count && !this.ended) {
      if (Date.now() > deadline) throw new Error(`only ${this.events.length} of ${count} events arrived`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.events;
  }

  close(): void {
    this.response.destroy();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments++;
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      if (fields.has('event')) {
        this.events.push({
          id: fields.get('id'),
          event: fields.get('event')!,
          data: JSON.parse(fields.get('data')!),
        });
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

let api: ApiHarness;
let base: string;

const NIC = `${NET}/networkInterfaces/vm1`;
const RT = 'routeTables/rt1';

async function setUp(
  options: Partial<RouteServerServiceOptions> = {},
  heartbeatMs = 15_000,
  maxBufferedBytes = 1 << 20,
): Promise<void> {
  api = await apiHarness(options);
  registerRouteWatch(api.server.app, api.service, { heartbeatMs, maxBufferedBytes, retryMs: 500 });
  base = (await api.server.listen()).url;
  await api.request('PUT', RT, { location: 'local', properties: { routes: [] } });
  await api.request('PUT', 'virtualNetworks/vnet1', {
    location: 'local',
    properties: {
      addressSpace: { addressPrefixes: ['10.1.0.0/16'] },
      subnets: [
        { name: 'vms', properties: { addressPrefix: '10.1.1.0/24', routeTable: { id: `${NET}/${RT}` } } },
      ],
    },
  });
  const nic = await api.request('PUT', 'networkInterfaces/vm1', {
    location: 'local',
    properties: {
      ipConfigurations: [
        { name: 'ipconfig1', properties: { subnet: { id: `${NET}/virtualNetworks/vnet1/subnets/vms` } } },
      ],
    },
  });
  expect(nic.statusCode).toBe(201);
}

afterEach(async () => {
  await api.close();
});

function open(
  path = `${NIC}/effectiveRouteTable?${V}&watch=1`,
  headers: Record<string, string> = {},
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${base}${path}`, {
      ca: api.server.credentials.cert,
      headers: { authorization: `Bearer ${api.server.credentials.token}`, ...headers },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

async function watch(headers: Record<string, string> = {}): Promise<EventReader> {
  const response = await open(undefined, headers);
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  return new EventReader(response);
}

async function body(response: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of response) text += String(chunk);
  return JSON.parse(text);
}

async function setUserRoutes(routes: Record<string, string>): Promise<void> {
  const answer = await api.request('PUT', RT, {
    location: 'local',
    properties: {
      routes: Object.entries(routes).map(([name, prefix]) => ({
        name,
        properties: { addressPrefix: prefix, nextHopType: 'None' },
      })),
    },
  });
  expect(answer.statusCode).toBe(200);
}

const prefixesOf = (rows: { addressPrefix: string[] }[]) => rows.map((row) => row.addressPrefix[0]);

describe('effective route watch', () => {
  beforeEach(async () => setUp());

  it('starts with a snapshot of the table the POST action answers', async () => {
    const reader = await watch();
    const [snapshot] = await reader.waitFor(1);
    const table = await api.action(`networkInterfaces/vm1/effectiveRouteTable`);
    expect(snapshot!.event).toBe('snapshot');
    expect(snapshot!.id).toMatch(/^[0-9a-f]+\.0$/);
    expect(snapshot!.data.value).toEqual(table.body.value);
    expect(prefixesOf(snapshot!.data.value)).toContain('10.1.0.0/16');
    reader.close();
  });

  it('sends each change with the prefix rows it changed, and an empty list for a removed prefix', async () => {
    const reader = await watch();
    await reader.waitFor(1);
    await setUserRoutes({ onprem: '10.250.0.0/16' });
    const [, added] = await reader.waitFor(2);
    expect(added!.event).toBe('change');
    expect(added!.id).toBe(reader.events[0]!.id!.replace(/\.0$/, '.1'));
    expect(added!.data.changes).toEqual([
      {
        addressPrefix: '10.250.0.0/16',
        routes: [expect.objectContaining({ name: 'onprem', source: 'User', nextHopType: 'None' })],
      },
    ]);
    await setUserRoutes({});
    const [, , removed] = await reader.waitFor(3);
    expect(removed!.data.changes).toEqual([{ addressPrefix: '10.250.0.0/16', routes: [] }]);
    reader.close();
  });

  it('resumes after a disconnect with every change made in between, not a snapshot', async () => {
    const first = await watch();
    const [snapshot] = await first.waitFor(1);
    first.close();
    await setUserRoutes({ a: '10.250.0.0/16' });
    await setUserRoutes({ a: '10.250.0.0/16', b: '10.251.0.0/16' });
    await setUserRoutes({ b: '10.251.0.0/16' });
    const resumed = await watch({ 'last-event-id': snapshot!.id! });
    const events = await resumed.waitFor(3);
    expect(events.map((event) => event.event)).toEqual(['change', 'change', 'change']);
    expect(events.map((event) => event.id!.split('.')[1])).toEqual(['1', '2', '3']);
    expect(
      events.map((event) => (event.data.changes as { addressPrefix: string }[]).map((c) => c.addressPrefix)),
    ).toEqual([['10.250.0.0/16'], ['10.251.0.0/16'], ['10.250.0.0/16']]);
    expect(events[2]!.data.changes[0].routes).toEqual([]);
    resumed.close();
  });

  it('resumes at the current revision with nothing to replay', async () => {
    const first = await watch();
    await setUserRoutes({ a: '10.250.0.0/16' });
    const [, change] = await first.waitFor(2);
    first.close();
    const resumed = await watch({ 'last-event-id': change!.id! });
    await setUserRoutes({});
    const [next] = await resumed.waitFor(1);
    expect(next!.event).toBe('change');
    expect(next!.id!.split('.')[1]).toBe('2');
    resumed.close();
  });

  it('answers a revision of another server run with a snapshot', async () => {
    const reader = await watch({ 'last-event-id': 'abcdef.7' });
    const [event] = await reader.waitFor(1);
    expect(event!.event).toBe('snapshot');
    reader.close();
  });

  it('ends the stream with a deleted event when the NIC is deleted', async () => {
    const reader = await watch();
    await reader.waitFor(1);
    expect((await api.request('DELETE', 'networkInterfaces/vm1')).statusCode).toBeLessThan(300);
    const events = await reader.waitFor(2);
    expect(events[1]!.event).toBe('deleted');
    await reader.waitFor(3);
    expect(reader.ended).toBe(true);
  });

  it('ends open streams when the server closes', async () => {
    const reader = await watch();
    await reader.waitFor(1);
    await api.server.close();
    await reader.waitFor(2);
    expect(reader.ended).toBe(true);
  });

  it('answers an unknown NIC with ResourceNotFound and a GET without watch=1 with InvalidParameter', async () => {
    const unknown = await open(`${NET}/networkInterfaces/nope/effectiveRouteTable?${V}&watch=1`);
    expect(unknown.statusCode).toBe(404);
    expect(await body(unknown)).toMatchObject({ error: { code: 'ResourceNotFound' } });
    const plain = await open(`${NIC}/effectiveRouteTable?${V}`);
    expect(plain.statusCode).toBe(400);
    expect(await body(plain)).toMatchObject({ error: { code: 'InvalidParameter', target: 'watch' } });
  });

  it('refuses a watch without the bearer token', async () => {
    const refused = await open(undefined, { authorization: 'Bearer wrong-token-wrong-token-wrong-token' });
    expect(refused.statusCode).toBe(401);
    expect(await body(refused)).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  });
});

describe('effective route watch limits', () => {
  it('sends heartbeat comments while nothing changes', async () => {
    await setUp({}, 50);
    const reader = await watch();
    await reader.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reader.comments).toBeGreaterThanOrEqual(2);
    reader.close();
  });

  it('refuses a watch beyond the cap with 429 and takes one again once a watch ends', async () => {
    await setUp({ routeWatch: { maxWatchers: 1 } });
    const first = await watch();
    await first.waitFor(1);
    const refused = await open();
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('10');
    expect(await body(refused)).toMatchObject({ error: { code: 'TooManyRequests' } });
    first.close();
    for (let i = 0; i < 100 && api.service.routeWatch.size > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    const again = await watch();
    await again.waitFor(1);
    again.close();
  });
  it('disconnects a watcher that stops reading once its unread stream passes the bound, and serves the others on', async () => {
    await setUp({}, 15_000, 64 * 1024);
    const revision = (event: StreamEvent) => Number(event.id!.split('.')[1]);
    // 300 user routes whose next hop flips with each write: every change carries 300 prefixes' rows
    const flip = async (turn: number) => {
      const answer = await api.request('PUT', RT, {
        location: 'local',
        properties: {
          routes: Array.from({ length: 300 }, (_, i) => ({
            name: `r${i}`,
            properties: {
              addressPrefix: `10.${100 + (i >> 8)}.${i & 255}.0/24`,
              ...(turn % 2 === 0
                ? { nextHopType: 'None' }
                : { nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.1.1.9' }),
            },
          })),
        },
      });
      expect(answer.statusCode).toBe(200);
    };
    const slow = await watch();
    const fast = await watch();
    await slow.waitFor(1);
    await fast.waitFor(1);
    slow.response.pause(); // reads nothing more: the kernel's buffers fill, then the server's
    let changes = 0;
    while (api.service.routeWatch.size === 2) {
      // far more than the socket buffers (a few MiB on loopback) and the 64 KiB bound hold
      if (changes === 1000) throw new Error('the watcher that stopped reading is still connected');
      await flip(changes++);
      // the other watcher gets each change while the slow one is stuck (each event is larger
      // than the bound: a client that reads is never cut off)
      await fast.waitFor(1 + changes, 30_000);
      expect(fast.ended).toBe(false);
    }
    expect(changes).toBeGreaterThan(1);
    await flip(changes++);
    const events = await fast.waitFor(1 + changes, 30_000);
    expect(events.map(revision)).toEqual(Array.from({ length: 1 + changes }, (_, i) => i));
    expect(api.service.routeWatch.size).toBe(1);
    // the slow watcher, reading again, finds its stream cut short
    slow.response.resume();
    await slow.waitFor(1 + changes + 1, 30_000);
    expect(slow.ended).toBe(true);
    const received = slow.events.map(revision);
    expect(received.length).toBeLessThan(1 + changes);
    expect(received).toEqual(Array.from({ length: received.length }, (_, i) => i));
    // it resumes without missing a change: the changes it missed are larger than the bound, so
    // it gets a snapshot of the current table instead of their replay
    const resumed = await watch({ 'last-event-id': slow.events.at(-1)!.id! });
    const [snapshot] = await resumed.waitFor(1, 30_000);
    expect(snapshot!.event).toBe('snapshot');
    expect(revision(snapshot!)).toBe(changes);
    const table = await api.action(`networkInterfaces/vm1/effectiveRouteTable`);
    expect(snapshot!.data.value).toEqual(table.body.value);
    resumed.close();
    fast.close();
  });
});
