import type { EtcdStoreOptions } from './etcd-store.js';
import type { EtcdLiveStateOptions } from './etcd-live.js';
import type { LiveStateStore } from './live-state.js';
import type { ResourceStore } from './types.js';

/**
 * Opens the etcd store (etcd-store.ts). Its client library (gRPC) is loaded
 * on first use, so that a process on SQLite never pays for it.
 */
export async function openEtcdStore(options: EtcdStoreOptions): Promise<ResourceStore> {
  const { EtcdResourceStore } = await import('./etcd-store.js');
  return EtcdResourceStore.open(options);
}

/** Opens the live state of this process in etcd (etcd-live.ts), its lease granted. */
export async function openEtcdLiveState(options: EtcdLiveStateOptions): Promise<LiveStateStore> {
  const { EtcdLiveState } = await import('./etcd-live.js');
  return EtcdLiveState.open(options);
}
