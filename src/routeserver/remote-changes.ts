/**
 * Other processes' writes, applied here: on a store several processes share
 * (etcd), the change feed carries every process's committed transactions.
 * Each change this process did not make is replayed through its resource
 * family as a write whose store operations are not sent again but indexed as
 * the committed records (core.ts `replay`), so the virtual network model, the
 * effective routes and their watches, and the BGP runtime (a peer added on
 * another host's API starts its sessions here, a gateway connected there its
 * speaker) follow what any process wrote.
 *
 * A change is this process's own, or already loaded, when the index holds
 * the record at its revision or a later one (a put) or no longer holds it (a
 * delete): the feed delivers a transaction before the write that made it
 * resolves, so the replay waits for the writes under way. The feed is
 * followed from before the service loads the store; what arrives meanwhile
 * waits for the load, and is skipped when the load read it. Within a batch deletes go first, children before
 * parents, then puts, parents before children.
 */
import type { ChangeBatch, ResourceRecord } from '../store/index.js';
import type { ServiceCore } from './core.js';
import { checkStored, type Stored } from './records.js';
import { idKey, TYPES } from './ids.js';
import type { NetworkResources } from './service.js';

type DescriptorName = keyof NetworkResources;

const DESCRIPTOR_OF: Readonly<Record<string, DescriptorName>> = {
  [TYPES.routeServer.toLowerCase()]: 'virtualHubs',
  [TYPES.ipConfiguration.toLowerCase()]: 'ipConfigurations',
  [TYPES.bgpConnection.toLowerCase()]: 'bgpConnections',
  [TYPES.virtualNetwork.toLowerCase()]: 'virtualNetworks',
  [TYPES.subnet.toLowerCase()]: 'subnets',
  [TYPES.peering.toLowerCase()]: 'virtualNetworkPeerings',
  [TYPES.routeTable.toLowerCase()]: 'routeTables',
  [TYPES.route.toLowerCase()]: 'routes',
  [TYPES.networkInterface.toLowerCase()]: 'networkInterfaces',
  [TYPES.routeMap.toLowerCase()]: 'routeMaps',
  [TYPES.virtualNetworkGateway.toLowerCase()]: 'virtualNetworkGateways',
  [TYPES.localNetworkGateway.toLowerCase()]: 'localNetworkGateways',
  [TYPES.connection.toLowerCase()]: 'connections',
  [TYPES.expressRouteCircuit.toLowerCase()]: 'expressRouteCircuits',
  [TYPES.circuitPeering.toLowerCase()]: 'circuitPeerings',
  [TYPES.publicIpAddress.toLowerCase()]: 'publicIPAddresses',
};

const absentIfNull = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/**
 * The write input that reproduces a stored body where a body field is not
 * an input field of the same name. What the other process allocated is
 * taken from the committed record: the index holds that record, and a
 * gateway's instance addresses, which the model uses, are read from it
 * while the write plans (core.ts `committed`).
 */
const INPUT_OF: Readonly<Record<string, (record: Stored) => unknown>> = {
  [TYPES.virtualNetworkGateway.toLowerCase()]: (record) => {
    const body = (record as Stored<typeof TYPES.virtualNetworkGateway>).body;
    return {
      location: body.location,
      tags: body.tags,
      gatewayType: body.gatewayType,
      ipConfigurations: body.ipConfigurationNames.map((name) => ({ name, subnetId: body.subnetId })),
      activeActive: body.activeActive,
      enableBgp: body.enableBgp,
      skuName: body.skuName,
    };
  },
  [TYPES.localNetworkGateway.toLowerCase()]: (record) => {
    const body = (record as Stored<typeof TYPES.localNetworkGateway>).body;
    return { ...body, bgpSettings: absentIfNull(body.bgpSettings) };
  },
  [TYPES.connection.toLowerCase()]: (record) => {
    const body = (record as Stored<typeof TYPES.connection>).body;
    return {
      ...body,
      localNetworkGatewayId: absentIfNull(body.localNetworkGatewayId),
      circuitId: absentIfNull(body.circuitId),
    };
  },
  // the peering's type is its name (routeserver runs the private peering only)
  [TYPES.circuitPeering.toLowerCase()]: (record) => ({
    ...(record.body as object),
    peeringType: record.name,
  }),
};

/**
 * The write input that reproduces a stored record. Every other body field
 * is an input field of the same name, except that a VNet's and a route
 * table's input may carry their children, which are records of their own
 * (absent: the children are kept).
 */
function inputOf(record: ResourceRecord): unknown {
  const stored = checkStored(record);
  return INPUT_OF[record.type.toLowerCase()]?.(stored) ?? stored.body;
}

export class RemoteChanges {
  private queue: Promise<void>;
  private readonly unsubscribe: () => void;
  private resources: NetworkResources | undefined;
  private begin: () => void = () => undefined;

  /** Follows the feed from now; batches wait until `start` (the service has loaded the store). */
  constructor(
    private readonly core: ServiceCore,
    private readonly onError: (error: unknown) => void,
  ) {
    this.queue = new Promise((resolve) => (this.begin = resolve));
    this.unsubscribe = core.store.onChange((batch) => {
      this.queue = this.queue.then(() => this.apply(batch)).catch(onError);
    });
  }

  start(resources: NetworkResources): void {
    this.resources = resources;
    this.begin();
  }

  /** Settles once every batch delivered so far was applied. */
  settled(): Promise<void> {
    return this.queue;
  }

  close(): void {
    this.unsubscribe();
  }

  private async apply(batch: ChangeBatch): Promise<void> {
    await this.core.writesSettled();
    const replayed = new Map<string, ResourceRecord | null>();
    for (const change of batch.changes)
      if (change.kind === 'put') replayed.set(idKey(change.record.id), change.record);
      else replayed.set(idKey(change.previous.id), null);
    const deletes = batch.changes
      .filter((change) => change.kind === 'delete')
      .map((change) => change.previous)
      .sort((a, b) => b.id.length - a.id.length);
    const puts = batch.changes
      .flatMap((change) => (change.kind === 'put' ? [change.record] : []))
      .sort((a, b) => a.id.length - b.id.length);
    for (const record of deletes) {
      const descriptor = this.descriptor(record);
      const indexed = this.core.index.any(record.id);
      // absent: deleted here already; a later revision: created again since
      if (descriptor === undefined || indexed === undefined || indexed.revision > batch.revision) continue;
      await this.run(record, () => this.core.replay(replayed, () => descriptor.delete(record.id)));
    }
    for (const record of puts) {
      const descriptor = this.descriptor(record);
      // this revision or a later one is indexed: this process's own write, or loaded after it
      if (descriptor === undefined || (this.core.index.any(record.id)?.revision ?? 0) >= record.revision)
        continue;
      const put = (input: unknown) =>
        (descriptor as { put(id: string, input: unknown): Promise<unknown> }).put(record.id, input);
      await this.run(record, () => this.core.replay(replayed, () => put(inputOf(record))));
    }
  }

  private descriptor(record: ResourceRecord) {
    const name = DESCRIPTOR_OF[record.type.toLowerCase()];
    return name === undefined ? undefined : this.resources?.[name];
  }

  /** One replayed write; a refusal (this process's model disagrees) is reported, and the next change goes on. */
  private async run(record: ResourceRecord, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      this.onError(
        new Error(`could not apply another process's change to ${record.id}: ${String(error)}`, {
          cause: error,
        }),
      );
    }
  }
}
