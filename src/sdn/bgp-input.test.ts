import { describe, expect, it } from 'vitest';
import { formatPrefix } from '../lib/prefix.js';
import { hubAndSpokes, injected, Instances, p, rowsFor } from './fixtures.test-support.js';

describe('route server view of the virtual network', () => {
  it('advertises its VNet and the spokes that use it through gateway transit', () => {
    const { rs } = hubAndSpokes();
    expect(rs.advertisedAddressSpaces().map(formatPrefix)).toEqual(['10.0.0.0/16', '10.1.0.0/16']);
  });

  it('refuses prefixes equal to or inside an advertised space and accepts supernets and the default route', () => {
    const { rs } = hubAndSpokes();
    expect(rs.isInjectable(p('10.0.0.0/16'))).toBe(false);
    expect(rs.isInjectable(p('10.1.7.0/24'))).toBe(false);
    expect(rs.isInjectable(p('10.0.0.0/8'))).toBe(true);
    expect(rs.isInjectable(p('0.0.0.0/0'))).toBe(true);
    expect(rs.isInjectable(p('10.2.0.0/16'))).toBe(true);
  });

  it('notifies listeners when a spoke starts using the route server', () => {
    const { model, rs } = hubAndSpokes();
    let calls = 0;
    const unsubscribe = rs.onAddressSpacesChanged(() => calls++);
    model.updatePeering('spoke2-to-hub', { useRemoteGateways: true });
    expect(calls).toBe(1);
    expect(rs.advertisedAddressSpaces().map(formatPrefix)).toContain('10.2.0.0/16');
    expect(rs.isInjectable(p('10.2.1.0/24'))).toBe(false);
    model.createRouteTable({ id: 'unrelated' });
    expect(calls).toBe(1);
    unsubscribe();
    model.updatePeering('spoke2-to-hub', { useRemoteGateways: false });
    expect(calls).toBe(1);
  });

  it('programs a route the instances held back once its prefix becomes injectable', () => {
    const { model, rs } = hubAndSpokes();
    const instances = new Instances(rs, ['10.0.2.4']);
    instances.learn('IN_0', '10.1.0.0/16', '10.0.2.4');
    expect(rs.injectedRoutes()).toEqual([]);
    expect(rowsFor(model.effectiveRoutes('app-vm'), '10.1.0.0/16')).toEqual([
      'Default Active 10.1.0.0/16 VNetPeering',
    ]);
    model.deletePeering('spoke1-to-hub');
    expect(rs.isInjectable(p('10.1.0.0/16'))).toBe(true);
    instances.settle();
    expect(rowsFor(model.effectiveRoutes('app-vm'), '10.1.0.0/16')).toEqual([
      'VirtualNetworkGateway Active 10.1.0.0/16 VirtualNetworkGateway 10.0.2.4',
    ]);
  });

  it('programs what the instances inject, the injectability rule being theirs', () => {
    const { rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('10.1.0.0/16', '10.0.2.4')]);
    expect(rs.injectedRoutes()).toEqual([{ prefix: p('10.1.0.0/16'), nextHops: ['10.0.2.4'] }]);
  });

  it('keeps what each instance injects apart and shows the union', () => {
    const { rs } = hubAndSpokes();
    rs.applyRouteChanges('IN_0', [injected('172.20.0.0/16', '10.0.2.4')]);
    rs.applyRouteChanges('IN_1', [injected('172.20.0.0/16', '10.0.2.10', '10.0.2.9')]);
    expect(rs.injectedRoutes('IN_0')).toHaveLength(1);
    expect(rs.injectedRoutes()).toEqual([
      { prefix: p('172.20.0.0/16'), nextHops: ['10.0.2.4', '10.0.2.9', '10.0.2.10'] },
    ]);
  });
});
