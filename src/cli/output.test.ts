import { describe, expect, it } from 'vitest';
import { flattenResource, formatJson, formatTable, render } from './output.js';

const hub = {
  id: '/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/virtualHubs/rs1',
  name: 'rs1',
  type: 'Microsoft.Network/virtualHubs',
  etag: 'W/"1"',
  kind: 'RouteServer',
  properties: {
    virtualRouterAsn: 65515,
    virtualRouterIps: ['10.1.0.4', '10.1.0.5'],
    ipConfigurations: [
      {
        id: '/subscriptions/s/resourceGroups/rg1/providers/Microsoft.Network/virtualHubs/rs1/ipConfigurations/ipconfig1',
      },
    ],
  },
};

describe('az-style output', () => {
  it('flattens properties into the resource and adds resourceGroup, at every depth', () => {
    expect(flattenResource(hub)).toEqual({
      id: hub.id,
      name: 'rs1',
      type: 'Microsoft.Network/virtualHubs',
      etag: 'W/"1"',
      kind: 'RouteServer',
      resourceGroup: 'rg1',
      virtualRouterAsn: 65515,
      virtualRouterIps: ['10.1.0.4', '10.1.0.5'],
      ipConfigurations: [{ id: hub.properties.ipConfigurations[0]!.id, resourceGroup: 'rg1' }],
    });
  });

  it('prints JSON with sorted keys and a two-space indent', () => {
    expect(formatJson({ b: 1, a: { d: 2, c: 3 } })).toBe(
      '{\n  "a": {\n    "c": 3,\n    "d": 2\n  },\n  "b": 1\n}',
    );
  });

  it('builds the automatic table from scalar fields without id, type and etag', () => {
    const table = render({ json: [flattenResource(hub)] }, 'table');
    expect(table.split('\n')).toEqual([
      'Kind         Name  ResourceGroup  VirtualRouterAsn',
      '-----------  ----  -------------  ----------------',
      'RouteServer  rs1   rg1            65515',
    ]);
  });

  it('uses the columns a command supplies', () => {
    const text = formatTable(
      [{ a: ['x', 'y'], b: null }],
      [
        { header: 'Both', value: (row) => row['a'] },
        { header: 'B', value: (row) => row['b'] },
      ],
    );
    expect(text.split('\n')).toEqual(['Both  B', '----  -', 'x, y']);
  });

  it('prints nothing for a verb without a result', () => {
    expect(render({ json: undefined }, 'json')).toBe('');
  });

  it('prints a location holding an escape sequence as visible text in a table', () => {
    const table = formatTable([{ name: 'rt1', location: '\u001b]0;owned\u0007\u001b[2J' }]);
    const shown = '\\x1b]0;owned\\x07\\x1b[2J';
    expect(table).toBe(
      [`${'Location'.padEnd(shown.length)}  Name`, `${'-'.repeat(shown.length)}  ----`, `${shown}  rt1`].join(
        '\n',
      ),
    );
    expect(table).not.toContain('\u001b');
  });

  it('escapes C1 controls and bidi overrides in cells and headers, but keeps JSON output as JSON', () => {
    const rows = [{ 'na\u202eme': 'a\u0085b\u2067' }];
    expect(render({ json: rows }, 'table')).toBe('Na\\u202eme\n------------\na\\x85b\\u2067');
    expect(JSON.parse(render({ json: rows }, 'json'))).toEqual(rows);
  });
});
