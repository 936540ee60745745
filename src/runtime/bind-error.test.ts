import { describe, expect, it } from 'vitest';
import { explainBindError } from './bind-error.js';

const systemError = (code: string) =>
  Object.assign(new Error(`listen ${code}`), { code, address: '10.1.0.4', port: 179 });

describe('BGP bind failures', () => {
  it('names the address and says to add it when it is not on the host', () => {
    const error = explainBindError(systemError('EADDRNOTAVAIL'), 'rs1', 179);
    expect(error?.code).toBe('BGPRS_ERR_RUNTIME_BGP_BIND');
    expect(error?.message).toBe(
      'route server rs1: an instance cannot listen for BGP on 10.1.0.4:179 (EADDRNOTAVAIL); 10.1.0.4 is not an address of this host: ' +
        "add it (ip address add 10.1.0.4/32 dev lo), or run routeserver where the RouteServerSubnet's .4 and .5 addresses exist",
    );
  });

  it('points at root, CAP_NET_BIND_SERVICE or --bgp-port for a privileged port', () => {
    expect(explainBindError(systemError('EACCES'), 'rs1', 179)?.message).toMatch(
      /needs root or CAP_NET_BIND_SERVICE.*--bgp-port/,
    );
  });

  it('points at the other listener when the port is taken', () => {
    expect(explainBindError(systemError('EADDRINUSE'), 'rs1', 179)?.message).toMatch(
      /another process listens on 10\.1\.0\.4:179/,
    );
  });

  it('leaves other errors alone', () => {
    expect(explainBindError(new Error('boom'), 'rs1', 179)).toBeUndefined();
  });
});
