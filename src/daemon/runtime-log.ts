/**
 * Logs the BGP runtime's supervision events (`routeserver:runtime`,
 * src/runtime/events.ts): an instance's thread that failed, at error, with
 * when it starts again; its restart at info. The sessions it had are logged
 * as down by session-log.ts.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { RUNTIME_CHANNEL, type RuntimeEvent } from '../runtime/index.js';

function logEvent(logger: Logger, event: RuntimeEvent): void {
  const fields = { routeServer: event.routeServerId, instance: event.instance };
  if (event.type === 'instance-failed')
    logger.error(
      { ...fields, error: event.error, restartInMs: event.restartInMs },
      'BGP instance failed; its sessions are down until it starts again',
    );
  else logger.info(fields, 'BGP instance started again');
}

/** Subscribes; returns the unsubscribe function. */
export function logRuntimeEvents(logger: Logger): () => void {
  const onMessage = (message: unknown) => logEvent(logger, message as RuntimeEvent);
  diagnostics.subscribe(RUNTIME_CHANNEL, onMessage);
  return () => diagnostics.unsubscribe(RUNTIME_CHANNEL, onMessage);
}
