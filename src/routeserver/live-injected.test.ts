import { describe, expect, it } from 'vitest';
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import type { VnetRouteChange } from '../runtime/index.js';
import type { LiveEntry } from '../store/index.js';
import { parseLiveKey } from './live-encoding.js';
import { InjectedPublisher, RemoteInjected } from './live-injected.js';

const RS = 'rs';

/** The live state's keys, and a receiving process that applies them in the order they are written. */
class Deployment {
  readonly keys = new Map<string, Buffer>();
  readonly receiver = new RemoteInjected();
  /** what the receiver's model was told: prefix → next hops */
  readonly model = new Map<string, string>();
  readonly withdrawn: string[] = [];

  write(entries: readonly LiveEntry[]): void {
    for (const { key, value } of entries) {
      if (value === undefined) this.keys.delete(key);
      else this.keys.set(key, value);
      this.apply(this.receiver, key, value, this.model);
    }
  }

  apply(receiver: RemoteInjected, key: string, value: Buffer | undefined, model: Map<string, string>): void {
    const parsed = parseLiveKey(key)!;
    const changes: VnetRouteChange[] = [];
    if (parsed.kind === 'j') receiver.applyDelta(key, value, changes);
    else receiver.applyShard(key, Number(parsed.item), value, changes);
    for (const { prefix, route } of changes) {
      const text = formatPrefix(prefix);
      if (route === null) {
        model.delete(text);
        if (model === this.model) this.withdrawn.push(text);
      } else model.set(text, route.nextHops.join(','));
    }
  }

  /** A process that starts now: the keys in key order, as a snapshot is read. */
  snapshot(): Map<string, string> {
    const receiver = new RemoteInjected();
    const model = new Map<string, string>();
    for (const key of [...this.keys.keys()].sort()) this.apply(receiver, key, this.keys.get(key), model);
    return model;
  }
}

const announce = (publisher: InjectedPublisher, from: number, count: number, nextHop = '10.0.0.10') =>
  publisher.apply({
    routeServerId: RS,
    instance: 'IN_0',
    changes: Array.from({ length: count }, (_, i) => ({
      prefix: parsePrefix(`20.${(from + i) >> 16}.${((from + i) >> 8) & 255}.${(from + i) & 255}/32`),
      route: { nextHops: [nextHop] },
    })),
  });

const withdraw = (publisher: InjectedPublisher, from: number, count: number) =>
  publisher.apply({
    routeServerId: RS,
    instance: 'IN_0',
    changes: Array.from({ length: count }, (_, i) => ({
      prefix: parsePrefix(`20.${(from + i) >> 16}.${((from + i) >> 8) & 255}.${(from + i) & 255}/32`),
      route: null,
    })),
  });

const expected = (from: number, count: number, nextHop = '10.0.0.10') =>
  new Map(
    Array.from({ length: count }, (_, i) => [
      `20.${(from + i) >> 16}.${((from + i) >> 8) & 255}.${(from + i) & 255}/32`,
      nextHop,
    ]),
  );

describe('injected routes shared as shards and deltas', () => {
  it('writes a change as a delta of that change only', () => {
    const publisher = new InjectedPublisher(RS, 'IN_0', 'e1');
    const deployment = new Deployment();
    announce(publisher, 0, 4000);
    deployment.write(publisher.flush());
    announce(publisher, 4000, 1);
    const entries = publisher.flush();
    expect(entries.map((entry) => parseLiveKey(entry.key)!.kind)).toEqual(['j']);
    expect(entries[0]!.value!.length).toBeLessThan(40);
    deployment.write(entries);
    expect(deployment.model).toEqual(expected(0, 4001));
    expect(publisher.flush()).toEqual([]);
  });

  it('compacts churn into shards without withdrawing a route that stays', () => {
    const publisher = new InjectedPublisher(RS, 'IN_0', 'e1');
    const deployment = new Deployment();
    announce(publisher, 0, 1000);
    deployment.write(publisher.flush());
    // flaps of one route until the deltas outgrow the table
    let kinds: string[] = [];
    let nextHop = '';
    for (let round = 0; round < 100_000 && !kinds.includes('i'); round++) {
      nextHop = round % 2 === 0 ? '10.0.0.11' : '10.0.0.12';
      announce(publisher, 5000, 500, nextHop);
      const entries = publisher.flush();
      kinds = entries.map((entry) => parseLiveKey(entry.key)!.kind);
      deployment.write(entries);
    }
    expect(kinds).toContain('i');
    expect([...deployment.keys.keys()].filter((key) => key.startsWith('j/'))).toEqual([]);
    expect(deployment.withdrawn).toEqual([]);
    expect(deployment.model).toEqual(new Map([...expected(0, 1000), ...expected(5000, 500, nextHop)]));
    expect(deployment.snapshot()).toEqual(deployment.model);
  });

  it('gives a process that starts later the same routes from a snapshot of shards and deltas', () => {
    const publisher = new InjectedPublisher(RS, 'IN_0', 'e1');
    const deployment = new Deployment();
    announce(publisher, 0, 3000);
    deployment.write(publisher.flush());
    for (let round = 0; round < 200; round++) {
      withdraw(publisher, round * 10, 10);
      announce(publisher, 3000 + round * 10, 10, '10.0.0.11');
      deployment.write(publisher.flush());
    }
    announce(publisher, 0, 5, '10.0.0.12');
    deployment.write(publisher.flush());
    const now = new Map([
      ...expected(2000, 1000),
      ...expected(3000, 2000, '10.0.0.11'),
      ...expected(0, 5, '10.0.0.12'),
    ]);
    expect(deployment.model).toEqual(now);
    expect(deployment.snapshot()).toEqual(now);
  });

  it('withdraws every route when every key is gone (the lease expired)', () => {
    const publisher = new InjectedPublisher(RS, 'IN_0', 'e1');
    const deployment = new Deployment();
    announce(publisher, 0, 100);
    deployment.write(publisher.flush());
    withdraw(publisher, 0, 100);
    announce(publisher, 100, 100);
    deployment.write(publisher.flush());
    announce(publisher, 300, 1);
    deployment.write(publisher.flush());
    deployment.write([...deployment.keys.keys()].map((key) => ({ key, value: undefined })));
    expect(deployment.model).toEqual(new Map());
    expect(deployment.receiver.empty).toBe(true);
  });

  it("keeps a route a restarted process announced when the earlier process's keys expire", () => {
    const deployment = new Deployment();
    const before = new InjectedPublisher(RS, 'IN_0', 'e1');
    announce(before, 0, 10);
    deployment.write(before.flush());
    const earlierKeys = [...deployment.keys.keys()];
    const after = new InjectedPublisher(RS, 'IN_0', 'e2');
    announce(after, 5, 10);
    deployment.write(after.flush());
    deployment.write(earlierKeys.map((key) => ({ key, value: undefined })));
    expect(deployment.model).toEqual(expected(5, 10));
  });
});
