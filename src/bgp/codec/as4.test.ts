import { describe, expect, it } from 'vitest';
import { fromHex } from '../../lib/bytes.js';
import { CONTEXT_2, CONTEXT_4, ip } from './__fixtures__/golden.js';
import { mergeAsPath } from './attributes/as-path.js';
import { decode, encode } from './message.js';
import type { UpdateMessage } from './types.js';

function update(attributes: string): Buffer {
  const body = '0000' + (attributes.length / 2).toString(16).padStart(4, '0') + attributes + '18c0a801';
  return fromHex('ff'.repeat(16) + (19 + body.length / 2).toString(16).padStart(4, '0') + '02' + body);
}
const ORIGIN_NEXT_HOP = '40010100' + '4003040a000104';

describe('RFC 6793 with a 2-octet-AS peer', () => {
  it('puts the leading ASes that AS4_PATH lacks in front of it', () => {
    expect(
      mergeAsPath([{ type: 2, asns: [65001, 23456, 23456] }], [{ type: 2, asns: [4200000000, 4200000001] }]),
    ).toEqual([{ type: 2, asns: [65001, 4200000000, 4200000001] }]);
  });

  it('counts an AS_SET as one AS and keeps confederation segments in front', () => {
    expect(
      mergeAsPath(
        [
          { type: 3, asns: [64512] },
          { type: 2, asns: [65001] },
          { type: 1, asns: [23456, 65002] },
        ],
        [{ type: 1, asns: [4200000000, 65002] }],
      ),
    ).toEqual([
      { type: 3, asns: [64512] },
      { type: 2, asns: [65001] },
      { type: 1, asns: [4200000000, 65002] },
    ]);
  });

  it('ignores an AS4_PATH longer than AS_PATH', () => {
    const path = [{ type: 2, asns: [23456] }];
    expect(mergeAsPath(path, [{ type: 2, asns: [4200000000, 4200000001] }])).toEqual(path);
  });

  it('ignores AS4_PATH and AS4_AGGREGATOR when AGGREGATOR is not AS_TRANS', () => {
    const bytes = update(
      ORIGIN_NEXT_HOP +
        '40020402015ba0' +
        'c00706fde90a000104' +
        'c011060201fa56ea00' +
        'c01208fa56ea010a000104',
    );
    const message = decode(bytes, CONTEXT_2) as UpdateMessage;
    expect(message.attributes.asPath).toEqual([{ type: 2, asns: [23456] }]);
    expect(message.attributes.aggregator).toEqual({ asn: 65001, address: ip('10.0.1.4') });
  });

  it('sends AS_TRANS with AS4_PATH and AS4_AGGREGATOR for ASes above 65535', () => {
    const message: UpdateMessage = {
      type: 'update',
      withdrawn: [],
      attributes: {
        origin: 0,
        asPath: [{ type: 2, asns: [65001, 4200000000] }],
        nextHop: ip('10.0.1.4'),
        aggregator: { asn: 4200000000, address: ip('10.0.1.4') },
      },
      attributeBytes: new Uint8Array(0),
      nlri: [],
    };
    const hex = encode(message, CONTEXT_2).toString('hex');
    expect(hex).toContain('4002060202fde95ba0');
    expect(hex).toContain('c007065ba00a000104');
    expect(hex).toContain('c0110a0202' + '0000fde9fa56ea00');
    expect(hex).toContain('c01208fa56ea000a000104');
    expect(encode(message, CONTEXT_4).toString('hex')).not.toContain('c011');
  });
});
