import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contextArbitrary,
  keepaliveArbitrary,
  notificationArbitrary,
  openArbitrary,
  routeRefreshArbitrary,
  updateArbitrary,
} from './__fixtures__/arbitraries.js';
import { BASE_CONTEXT, decode, encode } from './message.js';
import type { BgpMessage, CodecContext } from './types.js';

/** Drops what the decoder adds for consumers (wire order, raw attribute bytes, decoded communication). */
function comparable(message: BgpMessage): unknown {
  if (message.type === 'update') {
    const { wireOrder: _wireOrder, ...attributes } = message.attributes;
    return { ...message, attributeBytes: undefined, attributes };
  }
  if (message.type === 'notification') return { ...message, shutdownCommunication: undefined };
  return message;
}

function roundTrips(message: BgpMessage, context: CodecContext): void {
  const bytes = encode(message, context);
  const decoded = decode(bytes, context);
  expect(comparable(decoded)).toEqual(comparable(message));
  expect(encode(decoded, context).equals(bytes)).toBe(true);
}

describe('encode then decode gives the message back', () => {
  it('for OPEN', () => {
    fc.assert(
      fc.property(openArbitrary, (m) => roundTrips(m, BASE_CONTEXT)),
      { numRuns: 500 },
    );
  });

  it('for UPDATE in every negotiated context', () => {
    fc.assert(
      fc.property(
        contextArbitrary.chain((context) =>
          updateArbitrary(context).map((message) => ({ context, message })),
        ),
        ({ context, message }) => roundTrips(message, context),
      ),
      { numRuns: 500 },
    );
  });

  it('for NOTIFICATION', () => {
    fc.assert(
      fc.property(notificationArbitrary, (m) => roundTrips(m, BASE_CONTEXT)),
      { numRuns: 300 },
    );
  });

  it('for ROUTE-REFRESH', () => {
    fc.assert(
      fc.property(routeRefreshArbitrary, (m) => roundTrips(m, BASE_CONTEXT)),
      { numRuns: 200 },
    );
  });

  it('for KEEPALIVE', () => {
    fc.assert(
      fc.property(keepaliveArbitrary, (m) => roundTrips(m, BASE_CONTEXT)),
      { numRuns: 5 },
    );
  });
});
