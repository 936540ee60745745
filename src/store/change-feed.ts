/**
 * In-process feed of committed changes. Listeners run synchronously after the
 * commit, in commit order; a throwing listener neither undoes the commit nor
 * stops the others: its error is published on the `routeserver:store:listener-error`
 * diagnostics channel. Every batch is also published on `routeserver:store:change`.
 */

import diagnosticsChannel from 'node:diagnostics_channel';
import type { ChangeBatch, ChangeListener } from './types.js';

export const STORE_CHANGE_CHANNEL = 'routeserver:store:change';
export const STORE_LISTENER_ERROR_CHANNEL = 'routeserver:store:listener-error';

export interface StoreListenerErrorEvent {
  readonly revision: number;
  readonly error: unknown;
}

const changeChannel = diagnosticsChannel.channel(STORE_CHANGE_CHANNEL);
const listenerErrorChannel = diagnosticsChannel.channel(STORE_LISTENER_ERROR_CHANNEL);

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    // wrap so the same function may subscribe twice and unsubscribe each independently
    const entry: ChangeListener = (batch) => listener(batch);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  publish(batch: ChangeBatch): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(batch);
      } catch (error) {
        if (listenerErrorChannel.hasSubscribers) {
          listenerErrorChannel.publish({ revision: batch.revision, error } satisfies StoreListenerErrorEvent);
        }
      }
    }
    if (changeChannel.hasSubscribers) changeChannel.publish(batch);
  }

  clear(): void {
    this.listeners.clear();
  }
}
