/**
 * Events of the BGP runtime's supervision on `node:diagnostics_channel`
 * (channel `routeserver:runtime`), published on the main thread: an
 * instance's worker thread failed, or was started again.
 */
import diagnostics from 'node:diagnostics_channel';
import type { InstanceId } from '../rib/ports.js';

export const RUNTIME_CHANNEL = 'routeserver:runtime';
const channel = diagnostics.channel(RUNTIME_CHANNEL);

export type RuntimeEvent =
  | {
      readonly type: 'instance-failed';
      readonly routeServerId: string;
      readonly instance: InstanceId;
      /** why the thread ended, or why starting it again failed */
      readonly error: string;
      /** when the next start is tried */
      readonly restartInMs: number;
    }
  | { readonly type: 'instance-restarted'; readonly routeServerId: string; readonly instance: InstanceId };

export function publishRuntimeEvent(event: RuntimeEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}
