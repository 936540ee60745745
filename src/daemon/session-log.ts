/**
 * Logs BGP session events from `node:diagnostics_channel`
 * (`routeserver:bgp:session`, src/bgp/session/events.ts): state changes into
 * and out of Established at info, other transitions at debug, NOTIFICATIONs
 * sent and received at warn (Cease at info), refused connections at warn,
 * rate-limited (src/daemon/refusal-log.ts), a TCP-MD5 key that could not
 * be installed at error.
 * UPDATEs are not logged (they are counted in /metrics).
 */
import diagnostics from 'node:diagnostics_channel';
import type { Logger } from 'pino';
import { SESSION_CHANNEL, type SessionEvent } from '../bgp/session/index.js';
import { RefusalLog } from './refusal-log.js';
import type { RefusalLogOptions } from './refusal-log.js';

/** RFC 4271 §4.5 error codes; RFC 4486 Cease subcodes */
const ERROR_CODES: Readonly<Record<number, string>> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
};
const CEASE_SUBCODES: Readonly<Record<number, string>> = {
  1: 'Maximum Number of Prefixes Reached',
  2: 'Administrative Shutdown',
  3: 'Peer De-configured',
  4: 'Administrative Reset',
  5: 'Connection Rejected',
  6: 'Other Configuration Change',
  7: 'Connection Collision Resolution',
  8: 'Out of Resources',
  9: 'Hard Reset',
  10: 'BFD Down',
};

export function describeNotification(code: number, subcode: number): string {
  const name = ERROR_CODES[code] ?? `error ${code}`;
  const sub = code === 6 ? CEASE_SUBCODES[subcode] : undefined;
  return `${name}${sub !== undefined ? ` / ${sub}` : ` (subcode ${subcode})`}`;
}

function logEvent(logger: Logger, refusals: RefusalLog, event: SessionEvent): void {
  switch (event.type) {
    case 'state': {
      const fields = {
        instanceAddress: event.localAddress,
        peer: event.peer,
        from: event.from,
        to: event.to,
        reason: event.reason,
      };
      if (event.to === 'Established' || event.from === 'Established')
        logger.info(fields, `BGP session ${event.to === 'Established' ? 'up' : 'down'}`);
      else logger.debug(fields, 'BGP session state');
      return;
    }
    case 'notification-sent':
    case 'notification-received': {
      const { code, subcode, shutdownCommunication } = event.notification;
      const direction = event.type === 'notification-sent' ? 'sent' : 'received';
      const fields = {
        instanceAddress: event.localAddress,
        peer: event.peer,
        code,
        subcode,
        communication: shutdownCommunication,
      };
      const level = code === 6 ? 'info' : 'warn';
      logger[level](fields, `NOTIFICATION ${direction}: ${describeNotification(code, subcode)}`);
      return;
    }
    case 'connection-refused':
      refusals.record(event);
      return;
    case 'tcp-md5-failed':
      logger.error(
        { instanceAddress: event.localAddress, peer: event.peer, reason: event.message },
        'TCP-MD5 key not installed: the BGP session with this peer stays down (docs/tcp-md5.md)',
      );
      return;
    default:
      return;
  }
}

/**
 * Subscribes; returns the unsubscribe function, which also writes the
 * summary of refused connections still held back.
 */
export function logSessionEvents(logger: Logger, refusalOptions: RefusalLogOptions = {}): () => void {
  const refusals = new RefusalLog(logger, refusalOptions);
  const onMessage = (message: unknown) => logEvent(logger, refusals, message as SessionEvent);
  diagnostics.subscribe(SESSION_CHANNEL, onMessage);
  return () => {
    diagnostics.unsubscribe(SESSION_CHANNEL, onMessage);
    refusals.flush();
  };
}
