import { describe, expect, it } from 'vitest';
import {
  buildResourceId,
  formatResourceId,
  nameOf,
  parentOf,
  parseResourceId,
  resourceTypeOf,
} from './arm-id.js';
import { formatEtag } from '../routeserver/index.js';
import { parseEtag } from './arm-resource.js';
import { checkPreconditions, parseConditionalHeader } from './conditional.js';
import { ArmError } from './errors.js';
import { OperationRegistry } from './lro.js';
import { assertValidResourceGroupName, assertValidResourceName } from './names.js';

const SUB = '00000000-0000-0000-0000-000000000001';

describe('ARM resource ids', () => {
  it('builds and parses a child resource id', () => {
    const id = buildResourceId(SUB, 'rg', ['virtualHubs', 'rs1'], ['bgpConnections', 'nva1']);
    expect(id).toBe(
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualHubs/rs1/bgpConnections/nva1`,
    );
    const parsed = parseResourceId(id)!;
    expect(parsed).toEqual({
      subscriptionId: SUB,
      resourceGroupName: 'rg',
      types: ['virtualHubs', 'bgpConnections'],
      names: ['rs1', 'nva1'],
    });
    expect(resourceTypeOf(parsed)).toBe('Microsoft.Network/virtualHubs/bgpConnections');
    expect(nameOf(parsed)).toBe('nva1');
    expect(formatResourceId(parentOf(parsed)!)).toBe(buildResourceId(SUB, 'rg', ['virtualHubs', 'rs1']));
  });

  it('parses the fixed words case-insensitively and keeps names as written', () => {
    const parsed = parseResourceId(
      `/SUBSCRIPTIONS/${SUB}/resourcegroups/RG/PROVIDERS/microsoft.network/virtualNetworks/Hub`,
    );
    expect(parsed?.names).toEqual(['Hub']);
    expect(parsed?.resourceGroupName).toBe('RG');
  });

  it('refuses ids of other providers, odd segment counts and empty segments', () => {
    for (const text of [
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm`,
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualHubs`,
      `/subscriptions/${SUB}/resourceGroups//providers/Microsoft.Network/virtualHubs/x`,
      `subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualHubs/x`,
    ]) {
      expect(parseResourceId(text)).toBeUndefined();
    }
  });
});

describe('ARM names', () => {
  it('accepts names ARM accepts', () => {
    for (const name of ['a', 'RouteServerSubnet', 'rs_1.prod-2', 'x_', 'a'.repeat(80)]) {
      expect(() => assertValidResourceName('virtualHubs', name)).not.toThrow();
    }
  });

  it('refuses names ARM refuses, with InvalidResourceName', () => {
    for (const name of ['', '_a', '.a', 'a.', 'a-', 'a b', 'ä', 'a'.repeat(81)]) {
      expect(() => assertValidResourceName('virtualHubs', name)).toThrow(
        expect.objectContaining({ armCode: 'InvalidResourceName' }),
      );
    }
  });

  it('applies the 2-64 rule to virtual networks', () => {
    expect(() => assertValidResourceName('virtualNetworks', 'a')).toThrow(ArmError);
    expect(() => assertValidResourceName('virtualNetworks', 'a'.repeat(65))).toThrow(ArmError);
    expect(() => assertValidResourceName('virtualNetworks', 'ab')).not.toThrow();
  });

  it('checks resource group names with Unicode letters and no trailing period', () => {
    expect(() => assertValidResourceGroupName('rg-(prod)_é.1')).not.toThrow();
    expect(() => assertValidResourceGroupName('rg.')).toThrow(
      expect.objectContaining({ armCode: 'InvalidResourceGroupName' }),
    );
    expect(() => assertValidResourceGroupName('a'.repeat(91))).toThrow(ArmError);
  });

  it('refuses resource group names whose case folding is ambiguous, and names not in NFC', () => {
    for (const name of ['\u212Aelvin', 'rg-\u0130', 'rg-\u017F', 'e\u0301t\u00e9']) {
      expect(() => assertValidResourceGroupName(name), name).toThrow(
        expect.objectContaining({ armCode: 'InvalidResourceGroupName' }),
      );
    }
    expect(() => assertValidResourceGroupName('rg-\u212A')).toThrow(/U\+212A/);
    for (const name of ['été', 'Größe', 'ΑΒΓ-grp', 'группа', '東京']) {
      expect(() => assertValidResourceGroupName(name), name).not.toThrow();
    }
  });
});

describe('ETags and preconditions', () => {
  const strong = (opaque: string) => ({ opaque, weak: false });
  const weak = (opaque: string) => ({ opaque, weak: true });

  it('formats weak etags and reads any common spelling back', () => {
    expect(formatEtag('abc')).toBe('W/"abc"');
    for (const text of ['W/"abc"', '"abc"', 'abc', ' W/"abc" ']) expect(parseEtag(text)).toBe('abc');
  });

  it('fails If-Match on a changed or missing resource and If-None-Match: * on an existing one', () => {
    expect(() => checkPreconditions({ ifMatch: [strong('old')] }, 'new')).toThrow(
      expect.objectContaining({ statusCode: 412 }),
    );
    expect(() => checkPreconditions({ ifMatch: '*' }, undefined)).toThrow(
      expect.objectContaining({ statusCode: 412 }),
    );
    expect(() => checkPreconditions({ ifNoneMatch: '*' }, 'x')).toThrow(
      expect.objectContaining({ statusCode: 412 }),
    );
    expect(() =>
      checkPreconditions({ ifMatch: [strong('a'), strong('new')], ifNoneMatch: [strong('b')] }, 'new'),
    ).not.toThrow();
  });

  it('compares If-Match ignoring weakness, as ARM does: a weak tag with the current value matches', () => {
    expect(() => checkPreconditions({ ifMatch: [weak('new')] }, 'new')).not.toThrow();
    expect(() => checkPreconditions({ ifMatch: [weak('old')] }, 'new')).toThrow(
      expect.objectContaining({ statusCode: 412 }),
    );
  });

  it('compares If-None-Match weakly', () => {
    expect(() => checkPreconditions({ ifNoneMatch: [weak('x')] }, 'x')).toThrow(
      expect.objectContaining({ statusCode: 412 }),
    );
  });

  it('reads `*` and lists of entity-tags, commas inside quotes included (RFC 9110 §13.1.1)', () => {
    expect(parseConditionalHeader('If-Match', ' * ')).toBe('*');
    expect(parseConditionalHeader('If-Match', '"a", W/"b"')).toEqual([strong('a'), weak('b')]);
    expect(parseConditionalHeader('If-Match', 'W/"a,b"')).toEqual([weak('a,b')]);
    expect(parseConditionalHeader('If-Match', ', "a",, "b" ,')).toEqual([strong('a'), strong('b')]);
    expect(parseConditionalHeader('If-Match', ['"a"', '"b"'])).toEqual([strong('a'), strong('b')]);
    expect(parseConditionalHeader('If-Match', 'abc')).toEqual([strong('abc')]);
  });

  it('answers a malformed conditional header with 400 InvalidHeaderValue', () => {
    for (const text of ['"a" "b"', '"unterminated', 'W/', 'W/abc', '*, "a"', '', ' , ', '"a"x', 'a b']) {
      expect(() => parseConditionalHeader('If-Match', text), text).toThrow(
        expect.objectContaining({ statusCode: 400, armCode: 'InvalidHeaderValue', target: 'If-Match' }),
      );
    }
  });
});

describe('operation registry', () => {
  it('gives each operation an unguessable id and forgets finished ones after the ttl', async () => {
    let now = 1_000_000;
    const registry = new OperationRegistry({ ttlMs: 1000, now: () => now });
    const first = registry.start(SUB, 'local', Promise.resolve({ ok: true }));
    const second = registry.start(SUB, 'local', Promise.resolve());
    expect(first.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.id).not.toBe(second.id);
    await Promise.resolve();
    expect(registry.get(SUB, first.id)).toMatchObject({ status: 'Succeeded', result: { ok: true } });
    now += 999;
    expect(registry.get(SUB.toUpperCase(), first.id)).toBeDefined();
    now += 1;
    expect(registry.get(SUB, first.id)).toBeUndefined();
  });

  it('keeps running operations however old, and refuses new ones when full of them', () => {
    const registry = new OperationRegistry({ maxOperations: 2 });
    const never = new Promise(() => undefined);
    registry.start(SUB, 'local', never);
    registry.start(SUB, 'local', never);
    expect(() => registry.start(SUB, 'local', never)).toThrow(expect.objectContaining({ statusCode: 429 }));
  });

  it('records an unexpected failure as InternalServerError and reports it', async () => {
    const seen: unknown[] = [];
    const registry = new OperationRegistry({ onUnexpectedError: (_id, error) => seen.push(error) });
    const state = registry.start(SUB, 'local', Promise.reject(new Error('disk on fire')));
    await new Promise((resolve) => setImmediate(resolve));
    expect(registry.get(SUB, state.id)).toMatchObject({
      status: 'Failed',
      errorStatusCode: 500,
      error: { code: 'InternalServerError' },
    });
    expect(seen).toHaveLength(1);
  });
});
