/**
 * Logs BMP export events (`routeserver:bmp`, src/bmp/events.ts): a
 * collector connected (info) or went away (warn); messages dropped because
 * it fell behind, a resync following (warn); a collector that cannot be
 * reached: the first failure at warn, the retries at debug until it connects.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { BMP_CHANNEL, type BmpEvent } from '../bmp/index.js';

/** Subscribes; returns the unsubscribe function. */
export function logBmpEvents(logger: Logger): () => void {
  const failing = new Set<string>();
  const onMessage = (message: unknown) => {
    const event = message as BmpEvent;
    const fields = { router: event.router, collector: event.collector };
    const key = `${event.router} ${event.collector}`;
    switch (event.type) {
      case 'bmp-connected':
        failing.delete(key);
        return logger.info(fields, 'BMP collector connected; sending the tables');
      case 'bmp-disconnected':
        return logger.warn(fields, 'BMP collector connection closed; reconnecting');
      case 'bmp-overflow':
        return logger.warn(
          { ...fields, bufferedBytes: event.bufferedBytes },
          'BMP collector fell behind: messages dropped; it gets the tables again once it has caught up',
        );
      case 'bmp-connect-failed':
        if (failing.has(key))
          return logger.debug({ ...fields, error: event.error }, 'BMP collector unreachable');
        failing.add(key);
        return logger.warn(
          { ...fields, error: event.error },
          'BMP collector unreachable; retrying with back-off',
        );
    }
  };
  diagnostics.subscribe(BMP_CHANNEL, onMessage);
  return () => diagnostics.unsubscribe(BMP_CHANNEL, onMessage);
}
