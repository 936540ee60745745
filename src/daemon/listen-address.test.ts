import { describe, expect, it } from 'vitest';
import { parseListenAddress } from './listen-address.js';

describe('listen addresses', () => {
  it('parses IPv4, bracketed IPv6, wildcard and host-less forms', () => {
    expect(parseListenAddress('127.0.0.1:8443', '--x', 'h')).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(parseListenAddress('[::1]:9000', '--x', 'h')).toEqual({ host: '::1', port: 9000 });
    expect(parseListenAddress('0.0.0.0:0', '--x', 'h')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseListenAddress(':8443', '--x', 'h')).toEqual({ host: 'h', port: 8443 });
  });

  it('refuses values that are not HOST:PORT, naming the option', () => {
    for (const bad of ['8443', '127.0.0.1', '1.2.3.4:99999', '::1:8443', 'a b:1'])
      expect(() => parseListenAddress(bad, '--api-listen', 'h')).toThrow(/--api-listen/);
  });
});
