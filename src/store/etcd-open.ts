import type { EtcdStoreOptions } from './etcd-store.js';
import type { ResourceStore } from './types.js';

/**
 * Opens the etcd store (etcd-store.ts). Its client library (gRPC) is loaded
 * on first use, so that a process on SQLite never pays for it.
 */
export async function openEtcdStore(options: EtcdStoreOptions): Promise<ResourceStore> {
  const { EtcdResourceStore } = await import('./etcd-store.js');
  return EtcdResourceStore.open(options);
}
