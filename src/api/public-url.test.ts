/**
 * The links the API hands out (nextLink, Location, Azure-AsyncOperation)
 * start with its configured public URL, or the one its listen address
 * implies, never with the request's Host; a malformed Host answers 400.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isValidHostHeader, parsePublicUrl, publicUrlOfListen } from './public-url.js';
import { apiHarness, NET, V, type ApiHarness } from './routes/test-harness.test-support.js';

let api: ApiHarness | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

const vnet = { location: 'local', properties: { addressSpace: { addressPrefixes: ['10.0.0.0/16'] } } };
const forged = { host: 'attacker.example' };

describe('public URL', () => {
  it('reads an http(s) URL, without a trailing slash, and refuses anything else', () => {
    expect(parsePublicUrl('https://rs.example:8443/')).toBe('https://rs.example:8443');
    expect(parsePublicUrl('https://rs.example/api/')).toBe('https://rs.example/api');
    for (const text of [
      'rs.example',
      'ftp://rs.example',
      'https://u:p@rs.example',
      'https://rs.example/?a=1',
    ]) {
      expect(() => parsePublicUrl(text), text).toThrow(
        expect.objectContaining({ code: 'BGPRS_ERR_API_CONFIG' }),
      );
    }
  });

  it('derives the default from the listen address', () => {
    expect(publicUrlOfListen('127.0.0.1', 8443)).toBe('https://127.0.0.1:8443');
    expect(publicUrlOfListen('::1', 8443)).toBe('https://[::1]:8443');
    expect(publicUrlOfListen('rs.example', 443)).toBe('https://rs.example:443');
  });

  it('builds Location, Azure-AsyncOperation and nextLink from the configured URL, not from Host', async () => {
    api = await apiHarness({ pageSize: 1 }, { publicUrl: 'https://rs.example:8443/' });
    const created = await api.request('PUT', 'virtualNetworks/va', vnet, forged);
    await api.request('PUT', 'virtualNetworks/vb', vnet, forged);
    const list = await api.request('GET', 'virtualNetworks', undefined, forged);
    const deleted = await api.request('DELETE', 'virtualNetworks/vb', undefined, forged);
    const links = [created.headers['azure-asyncoperation'], deleted.headers.location, list.body.nextLink];
    for (const link of links) expect(String(link)).toMatch(/^https:\/\/rs\.example:8443\/subscriptions\//);
  });

  it('without configuration builds links from the listen address, whatever Host says', async () => {
    api = await apiHarness({ pageSize: 1 });
    await api.request('PUT', 'virtualNetworks/va', vnet);
    await api.request('PUT', 'virtualNetworks/vb', vnet);
    const list = await api.request('GET', 'virtualNetworks', undefined, forged);
    expect(list.body.nextLink).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/subscriptions\/.*skipToken=/);
  });
});

describe('Host header', () => {
  it('accepts a name, an IPv4 or bracketed IPv6 address, each with an optional port', () => {
    for (const host of ['localhost', 'rs.example:8443', '127.0.0.1:1', '[::1]:8443', '[fd00::1]']) {
      expect(isValidHostHeader(host), host).toBe(true);
    }
  });

  for (const host of ['x:99999', 'a b', '[::1', '%', 'a@b', '[nothost]:1', 'a:b']) {
    it(`answers Host ${JSON.stringify(host)} with 400 InvalidHeaderValue after authentication`, async () => {
      api = await apiHarness();
      const url = `${NET}/virtualNetworks?${V}`;
      const anonymous = await api.server.app.inject({ url, headers: { host } });
      expect(anonymous.statusCode).toBe(401);
      const res = await api.request('GET', url, undefined, { host });
      expect(res.statusCode).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'InvalidHeaderValue', target: 'Host' });
      expect(res.headers['x-ms-request-id']).toBeDefined();
    });
  }
});
