import { describe, expect, it } from 'vitest';
import { armRouteMapRules } from './config-route-map-rules.js';

describe("route map rules as a file spells them, in the API's shape", () => {
  it('writes ASNs and communities given as numbers as decimal text', () => {
    expect(
      armRouteMapRules([
        {
          name: 'r',
          matchCriteria: [{ matchCondition: 'Contains', asPath: [65001], community: [4259840100] }],
          actions: [{ type: 'Add', parameters: [{ asPath: [65100, '65200'] }] }],
        },
      ]),
    ).toEqual([
      {
        name: 'r',
        matchCriteria: [{ matchCondition: 'Contains', asPath: ['65001'], community: ['4259840100'] }],
        actions: [{ type: 'Add', parameters: [{ asPath: ['65100', '65200'] }] }],
      },
    ]);
  });

  it('gives a rule without criteria, actions or parameters empty lists, as the API reads it', () => {
    expect(armRouteMapRules([{ name: 'r', actions: [{ type: 'Drop' }] }])).toEqual([
      { name: 'r', matchCriteria: [], actions: [{ type: 'Drop', parameters: [] }] },
    ]);
  });

  it('passes what is not a list of rules unchanged, for the API to refuse', () => {
    expect(armRouteMapRules({ rules: [] })).toEqual({ rules: [] });
    expect(armRouteMapRules(['x', { name: 'r', matchCriteria: 5 }])).toEqual([
      'x',
      { name: 'r', matchCriteria: 5, actions: [] },
    ]);
  });
});
