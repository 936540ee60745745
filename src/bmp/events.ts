/**
 * BMP export events on `node:diagnostics_channel` (channel `routeserver:bmp`),
 * for logs: a collector connected, went away, could not be reached, or fell
 * so far behind that messages were dropped (a resync follows). Publishing is
 * skipped when nobody subscribes.
 */
import diagnostics from 'node:diagnostics_channel';

export const BMP_CHANNEL = 'routeserver:bmp';
const channel = diagnostics.channel(BMP_CHANNEL);

interface BmpEventBase {
  /** the monitored router: the instance's address */
  readonly router: string;
  /** the collector, `address:port` */
  readonly collector: string;
}

export type BmpEvent =
  | (BmpEventBase & { readonly type: 'bmp-connected' })
  | (BmpEventBase & { readonly type: 'bmp-disconnected' })
  | (BmpEventBase & { readonly type: 'bmp-connect-failed'; readonly error: string })
  | (BmpEventBase & { readonly type: 'bmp-overflow'; readonly bufferedBytes: number });

export function publishBmpEvent(event: BmpEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}
