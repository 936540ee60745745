/**
 * The web dashboard in a real browser (Debian's chromium, driven by
 * playwright-core) against the seed scenario with real NVAs: FRR (AS 65001,
 * announces 10.250.0.0/16) and BIRD (AS 65002, announces 0.0.0.0/0), in
 * network namespaces (docs/dashboard.md). The browser runs in the server's
 * namespace, where the API listens on 127.0.0.1:8443.
 *
 * Sign-in with the API token and with a Reader service principal; the
 * topology with both NVAs Established to both instances; a withdrawal
 * reaching the routes page and the VM's effective routes without a reload;
 * no write action for the Reader; a screenshot of each page under
 * test-artifacts/dashboard/; an accessibility pass (names, keyboard, contrast).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashClientSecret } from '../../src/api/index.js';
import {
  BirdDaemon,
  FrrDaemon,
  Lab,
  type Announcement,
  type BgpDaemon,
  type LabNode,
  type LabProcess,
} from '../lab/index.js';
import { checkAccessibility, tabThrough } from './dashboard.test-support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'routeserver.js');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');
const CHROMIUM = '/usr/bin/chromium';
const INSTANCES = ['10.1.0.4', '10.1.0.5'];
const API = 'https://127.0.0.1:8443';
const ONPREM = '10.250.0.0/16';
/** also from FRR: with two communities, and with 65515 in its AS path (dropped on import, docs/azure-behaviour.md §2.2) */
const TAGGED = '10.251.0.0/16';
const LOOPED = '10.252.0.0/16';
const READER = { clientId: '5d9b2a1c-0e4f-4b6a-9c8d-7e6f5a4b3c2d', secret: 'the dashboard reader secret' };
const NIC =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo/providers/Microsoft.Network/networkInterfaces/vm1-nic';

let lab: Lab;
let server: LabProcess;
let sdwan: BgpDaemon;
let firewall: BgpDaemon;
let browser: Browser;
let token: string;

/** The seed scenario with a Reader service principal (docs/identity.md). */
function writeConfig(dir: string): string {
  const file = join(dir, 'routeserver.yaml');
  const seed = readFileSync(join(ROOT, 'examples', 'seed-scenario.yaml'), 'utf8');
  writeFileSync(
    file,
    `${seed}\nidentity:\n  servicePrincipals:\n    - clientId: ${READER.clientId}\n` +
      `      secretHash: ${hashClientSecret(READER.secret)}\n      displayName: dashboard reader\n` +
      `      roleAssignments:\n        - role: Reader\n`,
  );
  return file;
}

/** chromium started inside the server's namespace (the pipe playwright talks over is inherited). */
function chromiumIn(node: LabNode): string {
  const wrapper = join(lab.dir, 'chromium-in-rs.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${node.namespace} ${CHROMIUM} "$@"\n`);
  chmodSync(wrapper, 0o755);
  return wrapper;
}

async function waitForApi(node: LabNode, dataDir: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const result = await lab.exec(node, process.execPath, [BIN, 'list', '--data-dir', dataDir]);
    if (result.code === 0) return;
    if (Date.now() > deadline) throw new Error(`the API did not come up:\n${result.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  return page;
}

async function signInWithToken(page: Page): Promise<void> {
  await page.goto(`${API}/`);
  await page.getByLabel('API token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Topology' }).waitFor();
}

/** Saves a full-page screenshot and returns its size in bytes. */
async function screenshot(page: Page, name: string): Promise<number> {
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return statSync(file).size;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/install-deps.sh installs it`);
  mkdirSync(ARTIFACTS, { recursive: true });
  lab = await Lab.create({ name: 'dashboard' });
  const rs = await lab.addNode(
    'rs',
    INSTANCES.map((address) => `${address}/16`),
  );
  const sdwanNode = await lab.addNode('sdwan', ['10.1.1.4/16']);
  const fwNode = await lab.addNode('fw', ['10.1.1.5/16']);
  const dataDir = join(lab.dir, 'routeserver-data');
  mkdirSync(dataDir, { recursive: true });
  server = lab.spawn(
    rs,
    process.execPath,
    [BIN, 'serve', '--config', writeConfig(lab.dir), '--data-dir', dataDir, '--api-listen', '127.0.0.1:8443'],
    { logFile: join(lab.dir, 'routeserver.log') },
  );
  await waitForApi(rs, dataDir);
  token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
  const nva = (
    kind: 'frr' | 'bird',
    node: LabNode,
    asn: number,
    address: string,
    announce: (string | Announcement)[],
  ) => {
    const options = {
      asn,
      localAddress: address,
      peers: INSTANCES.map((instance) => ({ address: instance, asn: 65515, multihopTtl: 2 })),
      holdTimeSeconds: 9,
      announce,
    };
    return kind === 'frr' ? new FrrDaemon(lab, node, options) : new BirdDaemon(lab, node, options);
  };
  sdwan = nva('frr', sdwanNode, 65001, '10.1.1.4', [
    ONPREM,
    { prefix: TAGGED, communities: ['65001:100', '65001:200'] },
    { prefix: LOOPED, asPathPrepend: [65515] },
  ]);
  firewall = nva('bird', fwNode, 65002, '10.1.1.5', ['0.0.0.0/0']);
  await Promise.all([sdwan.start(), firewall.start()]);
  for (const daemon of [sdwan, firewall])
    for (const instance of INSTANCES) await daemon.waitEstablished(instance, 90_000);
  await firewall.waitRoute(ONPREM, { timeoutMs: 60_000 });
  browser = await chromium.launch({
    executablePath: chromiumIn(rs),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await lab?.destroy();
  if (lab !== undefined)
    expect(await Lab.leftovers(lab.prefix)).toEqual({ namespaces: [], processes: [], links: [] });
});

describe('the dashboard against FRR and BIRD NVAs', () => {
  it('shows the sign-in page and no data without a token', async () => {
    const page = await newPage();
    const started = Date.now();
    await page.goto(`${API}/`);
    await page.getByRole('heading', { name: 'Sign in to routeserver' }).waitFor();
    const paint = await page.evaluate(
      () =>
        performance.getEntriesByType('paint').find((entry) => entry.name === 'first-contentful-paint')
          ?.startTime,
    );
    console.log(
      `dashboard: first contentful paint ${paint?.toFixed(0)} ms, sign-in visible after ${Date.now() - started} ms`,
    );
    expect(await page.content()).not.toContain('10.1.1.4');
    const overview = await page.evaluate(async () => (await fetch('/dashboard/api/overview')).status);
    expect(overview).toBe(401);
    expect(await screenshot(page, 'sign-in')).toBeGreaterThan(5000);
    await page.close();
  });

  it('signs in with the API token and draws both NVAs Established to both instances', async () => {
    const page = await newPage();
    await signInWithToken(page);
    const edges = page.locator('[data-testid="session-edge"][data-state="Established"]');
    await expect.poll(() => edges.count(), { timeout: 30_000 }).toBe(4);
    const seen = await edges.evaluateAll((lines) =>
      lines.map((line) => `${line.getAttribute('data-peer')} ${line.getAttribute('data-instance')}`).sort(),
    );
    expect(seen).toEqual(['firewall IN_0', 'firewall IN_1', 'sdwan IN_0', 'sdwan IN_1']);
    expect(await screenshot(page, 'topology')).toBeGreaterThan(20_000);
    // the owner may write: the peers page offers the write actions
    await page.getByRole('link', { name: 'Peers' }).click();
    await page.getByRole('button', { name: 'Add peering' }).waitFor();
    expect(await page.getByRole('button', { name: /^Remove peering/ }).count()).toBe(2);
    expect(await screenshot(page, 'peers')).toBeGreaterThan(20_000);
    await page.close();
  });

  it('shows the withdrawal of 10.250.0.0/16 on the routes page and in the VM effective routes within 2 s, without a reload', async () => {
    const routes = await newPage();
    await signInWithToken(routes);
    await routes.goto(`${API}/#/routes`);
    await routes.getByLabel('Match').selectOption('exact');
    await routes.getByLabel('Search').fill(ONPREM);
    const count = routes.getByTestId('route-count');
    await expect.poll(() => count.textContent(), { timeout: 30_000 }).toMatch(/^2 of \d+ routes/);
    await expect
      .poll(() => routes.getByRole('row').filter({ hasText: ONPREM }).first().textContent())
      .toContain('best: injected');
    expect(await screenshot(routes, 'routes')).toBeGreaterThan(20_000);

    const effective = await newPage();
    await signInWithToken(effective);
    await effective.goto(`${API}/#/effective-routes?nic=${encodeURIComponent(NIC)}`);
    await effective.getByLabel('Destination address').fill('10.250.1.1');
    const winner = effective.locator('tr.winner');
    await expect.poll(() => winner.textContent(), { timeout: 30_000 }).toContain(ONPREM);
    expect(await winner.textContent()).toContain('10.1.1.4');
    expect(await screenshot(effective, 'effective-routes')).toBeGreaterThan(20_000);

    const navigations: string[] = [];
    for (const page of [routes, effective])
      page.on('framenavigated', (frame) => navigations.push(frame.url()));
    const withdrawn = Date.now();
    await sdwan.withdraw(ONPREM);
    const routesGone = expect
      .poll(() => count.textContent(), { timeout: 10_000, interval: 20 })
      .toMatch(/^0 of \d+ routes/)
      .then(() => Date.now() - withdrawn);
    // 10.250.1.1 now falls to the system route 10.0.0.0/8, next hop None (docs/azure-behaviour.md §3.5)
    const effectiveMoved = expect
      .poll(() => winner.textContent(), { timeout: 10_000, interval: 20 })
      .toContain('10.0.0.0/8')
      .then(() => Date.now() - withdrawn);
    const [routesMs, effectiveMs] = await Promise.all([routesGone, effectiveMoved]);
    console.log(
      `dashboard: withdrawal shown on the routes page after ${routesMs} ms, effective routes after ${effectiveMs} ms`,
    );
    expect(await winner.textContent()).toContain('None');
    expect(await effective.locator('tr', { hasText: ONPREM }).count()).toBe(0);
    expect(routesMs).toBeLessThan(2000);
    expect(effectiveMs).toBeLessThan(2000);
    expect(navigations).toEqual([]);
    await sdwan.announce(ONPREM);
    await routes.close();
    await effective.close();
  });

  it('shows the communities of a learned route, and why the one with 65515 in its AS path was dropped', async () => {
    const page = await newPage();
    await signInWithToken(page);
    await page.goto(`${API}/#/routes`);
    await page.getByLabel('Match').selectOption('exact');
    await page.getByLabel('Search').fill(TAGGED);
    const tagged = page.getByRole('row').filter({ hasText: TAGGED });
    await expect.poll(() => tagged.count(), { timeout: 30_000 }).toBe(2); // one per instance
    await expect
      .poll(() => tagged.first().textContent(), { timeout: 10_000 })
      .toContain('65001:100 65001:200');
    expect(await tagged.first().textContent()).toContain('best: injected');
    await page.getByLabel('Search').fill(LOOPED);
    const looped = page.getByRole('row').filter({ hasText: LOOPED });
    await expect.poll(() => looped.count(), { timeout: 30_000 }).toBe(2);
    for (const row of await looped.all()) {
      expect(await row.textContent()).toContain('65001-65515');
      expect(await row.textContent()).toContain('dropped on import: 65515 in the AS path');
    }
    expect(await screenshot(page, 'routes-dropped')).toBeGreaterThan(20_000);
    await page.close();
  });

  it('signs a Reader in with its client id and secret and shows it no write action', async () => {
    const page = await newPage();
    await page.goto(`${API}/`);
    await page.getByRole('radio', { name: 'a service principal' }).check();
    await page.getByLabel('Client id').fill(READER.clientId);
    await page.getByLabel('Client secret').fill(READER.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Topology' }).waitFor();
    await expect.poll(() => page.getByText(`Signed in as ${READER.clientId}`).count()).toBe(1);
    await page.getByRole('link', { name: 'Peers' }).click();
    await page.getByRole('table').first().waitFor();
    await expect.poll(() => page.getByText('sdwan').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Add peering' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Remove peering/ }).count()).toBe(0);
    expect(await page.locator('form[aria-label^="Add a peering"]').count()).toBe(0);
    await page.close();
  });

  it.each(['topology', 'peers', 'routes', 'effective-routes', 'history'])(
    'passes the accessibility checks on the %s page and saves its screenshot',
    async (name) => {
      const page = await newPage();
      await signInWithToken(page);
      await page.goto(`${API}/#/${name}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      // the page's data has arrived (the events stream stays open, so the network is never idle)
      await page.waitForFunction(() => !document.body.textContent?.includes('Loading'));
      const report = await checkAccessibility(page);
      expect(report.unlabelled).toEqual([]);
      expect(report.lowContrast).toEqual([]);
      expect(report.textsChecked).toBeGreaterThan(10);
      const reached = await tabThrough(page, 8);
      for (const link of ['Topology', 'Peers', 'Routes', 'Effective routes', 'History'])
        expect(reached.map((r) => r.name)).toContain(link);
      expect(reached.filter((r) => r.name !== '').every((r) => r.outlined)).toBe(true);
      expect(await screenshot(page, `${name}-checked`)).toBeGreaterThan(10_000);
      await page.close();
    },
  );
});
