/** Durable resources: one interface, an embedded SQLite backend and an etcd v3 backend. */
export type * from './types.js';
export * from './errors.js';
export { idKey, typeKey, idScope, assertValidId, MAX_ID_LENGTH } from './ids.js';
export { MIGRATIONS, APPLICATION_ID, migrate } from './migrations.js';
export { SqliteResourceStore, openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export type { EtcdStoreOptions } from './etcd-store.js';
export { openEtcdStore, openEtcdLiveState } from './etcd-open.js';
export type { EtcdLiveStateOptions } from './etcd-live.js';
export {
  DEFAULT_LIVE_TTL_SECONDS,
  type LiveEntry,
  type LiveListener,
  type LiveStateStore,
} from './live-state.js';
export { DEFAULT_ETCD_PREFIX } from './etcd-keys.js';
export {
  STORE_CHANGE_CHANNEL,
  STORE_LISTENER_ERROR_CHANNEL,
  type StoreListenerErrorEvent,
} from './change-feed.js';
