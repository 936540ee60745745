/** Opens the store `routeserver serve` was told to use (store-url.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_ETCD_PREFIX,
  openEtcdStore,
  openSqliteStore,
  type EtcdStoreOptions,
  type ResourceStore,
} from '../store/index.js';
import { STORE_FILE } from './defaults.js';
import type { StoreChoice } from './store-url.js';

interface OpenedStore {
  readonly store: ResourceStore;
  /** where the state lives, for logs: the file, or the etcd endpoints and prefix */
  readonly location: string;
}

export async function openChosenStore(choice: StoreChoice, dataDir: string): Promise<OpenedStore> {
  if (choice.kind === 'sqlite') {
    const path = join(dataDir, STORE_FILE);
    return { store: openSqliteStore({ path }), location: path };
  }
  const store = await openEtcdStore(etcdOptions(choice));
  return {
    store,
    location: `etcd ${choice.endpoints.join(',')} prefix ${choice.prefix ?? DEFAULT_ETCD_PREFIX}`,
  };
}

/** The etcd client's options of a choice: endpoints, prefix, credentials (files read now). */
export function etcdOptions(choice: Extract<StoreChoice, { kind: 'etcd' }>): EtcdStoreOptions {
  const read = (file: string) => readFileSync(file);
  return {
    endpoints: choice.endpoints,
    ...(choice.prefix === undefined ? {} : { prefix: choice.prefix }),
    ...(choice.auth === undefined ? {} : { auth: choice.auth }),
    ...(choice.tls === undefined
      ? {}
      : {
          tls: {
            caCert: read(choice.tls.caCertFile),
            ...(choice.tls.certFile === undefined ? {} : { cert: read(choice.tls.certFile) }),
            ...(choice.tls.keyFile === undefined ? {} : { key: read(choice.tls.keyFile) }),
          },
        }),
  };
}
