/**
 * The dashboard's figures (docs/dashboard.md, Performance), as root: the
 * seed scenario's VNet with 8 BIRD NVAs announcing 4,000 prefixes each
 * (32,000 routes per instance, 64,000 rows on the routes page with both
 * instances), Debian's chromium driven by playwright-core in the server's
 * namespace. Prints: first contentful paint of the sign-in page (cold and
 * warm), the time until the topology shows all sessions, the time to load
 * and to filter the routes (in the page's own measure and until the list
 * shows the result), the server's CPU while idle without and with the
 * dashboard open, and the time from an NVA's withdrawal (BIRD reconfigured)
 * until the routes page no longer lists the prefix. Removes its namespaces and processes at the end.
 *
 *   npx tsx bench/dashboard.ts
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { BirdDaemon, Lab, type LabNode } from '../test/lab/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'routeserver.js');
const INSTANCES = ['10.1.0.4', '10.1.0.5'];
const NVAS = 8;
const ROUTES_PER_NVA = 4000;
const API = 'https://127.0.0.1:8443';
const IDLE_SECONDS = 30;

function config(): string {
  const peerings = Array.from(
    { length: NVAS },
    (_, n) => `      - name: nva${n}\n        peerIp: 10.1.1.${4 + n}\n        peerAsn: ${65001 + n}\n`,
  ).join('');
  return (
    'resourceGroup: demo\nlocation: local\nvirtualNetworks:\n  - name: vnet1\n    addressPrefixes: [10.1.0.0/16]\n' +
    '    subnets:\n      - name: RouteServerSubnet\n        addressPrefix: 10.1.0.0/26\n' +
    '      - name: nva\n        addressPrefix: 10.1.1.0/24\n      - name: workload\n        addressPrefix: 10.1.2.0/24\n' +
    'routeServers:\n  - name: rs1\n    virtualNetwork: vnet1\n    peerings:\n' +
    peerings +
    'networkInterfaces:\n  - name: vm1-nic\n    virtualNetwork: vnet1\n    subnet: workload\n    privateIpAddress: 10.1.2.4\n'
  );
}

/** 4,000 /28s per NVA, outside the VNet: 10.(100+n).x.y/28. */
function prefixesOf(n: number): string[] {
  return Array.from({ length: ROUTES_PER_NVA }, (_, i) => `10.${100 + n}.${i >> 4}.${(i & 15) * 16}/28`);
}

/** utime + stime of a process and its threads, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function idleCpuPercent(pid: number): Promise<number> {
  const before = cpuSeconds(pid);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  return ((cpuSeconds(pid) - before) / IDLE_SECONDS) * 100;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function firstPaint(page: Page): Promise<number> {
  await page.goto(`${API}/`);
  await page.getByRole('heading', { name: 'Sign in to routeserver' }).waitFor();
  return page.evaluate(
    () =>
      performance.getEntriesByType('paint').find((entry) => entry.name === 'first-contentful-paint')
        ?.startTime ?? NaN,
  );
}

/** Types `query` and returns the page's own filter time and the time until the count shows the result. */
async function filter(
  page: Page,
  mode: string,
  query: string,
): Promise<{ inPage: number; shown: number; text: string }> {
  await page.getByLabel('Match').selectOption(mode);
  const count = page.getByTestId('route-count');
  const before = await count.textContent();
  const started = Date.now();
  await page.getByLabel('Search').fill(query);
  await page.waitForFunction(
    (previous) => document.querySelector('[data-testid="route-count"]')?.textContent !== previous,
    before,
  );
  const shown = Date.now() - started;
  const text = (await count.textContent()) ?? '';
  const inPage = Number(/filtered in ([\d.]+) ms/.exec(text)?.[1]);
  return { inPage, shown, text };
}

async function main(): Promise<void> {
  const lab = await Lab.create({ name: 'dashbench' });
  const stopAll: (() => Promise<void>)[] = [];
  try {
    const rs = await lab.addNode(
      'rs',
      INSTANCES.map((address) => `${address}/16`),
    );
    const dataDir = join(lab.dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const configFile = join(lab.dir, 'routeserver.yaml');
    writeFileSync(configFile, config());
    const server = lab.spawn(
      rs,
      process.execPath,
      [BIN, 'serve', '--config', configFile, '--data-dir', dataDir],
      {
        logFile: join(lab.dir, 'routeserver.log'),
      },
    );
    stopAll.push(() => server.stop());
    await waitFor(
      'the API',
      async () => (await lab.exec(rs, process.execPath, [BIN, 'list', '--data-dir', dataDir])).code === 0,
      60_000,
    );
    const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();
    const nodes: LabNode[] = [];
    for (let n = 0; n < NVAS; n++) nodes.push(await lab.addNode(`nva${n}`, [`10.1.1.${4 + n}/16`]));
    const nvas = nodes.map(
      (node, n) =>
        new BirdDaemon(lab, node, {
          asn: 65001 + n,
          localAddress: `10.1.1.${4 + n}`,
          peers: INSTANCES.map((instance) => ({ address: instance, asn: 65515, multihopTtl: 2 })),
          holdTimeSeconds: 90,
          announce: prefixesOf(n),
        }),
    );
    await Promise.all(nvas.map((nva) => nva.start()));
    const overview = async () => {
      const result = await lab.exec(rs, 'curl', [
        '-sSk',
        '-H',
        `Authorization: Bearer ${token}`,
        `${API}/dashboard/api/overview`,
      ]);
      return JSON.parse(result.stdout) as {
        routeServers: { peers: { sessions: { learned: number }[] }[] }[];
      };
    };
    await waitFor(
      'every session with its 4,000 routes',
      async () => {
        const sessions = (await overview()).routeServers.flatMap((hub) =>
          hub.peers.flatMap((peer) => peer.sessions),
        );
        return (
          sessions.length === NVAS * 2 && sessions.every((session) => session.learned === ROUTES_PER_NVA)
        );
      },
      300_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idleWithout = await idleCpuPercent(server.pid);

    const wrapper = join(lab.dir, 'chromium.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${rs.namespace} /usr/bin/chromium "$@"\n`);
    chmodSync(wrapper, 0o755);
    const browser = await chromium.launch({
      executablePath: wrapper,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    }); // prettier-ignore
    stopAll.unshift(() => browser.close());
    const page = await browser.newPage({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
    const coldPaint = await firstPaint(page);
    const warmPaint = await firstPaint(page);
    await page.getByLabel('API token', { exact: true }).fill(token);
    let started = Date.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(
      (expected) =>
        document.querySelectorAll('[data-testid="session-edge"][data-state="Established"]').length ===
        expected,
      NVAS * 2,
    );
    const topologyMs = Date.now() - started;
    const idleTopology = await idleCpuPercent(server.pid);

    started = Date.now();
    await page.goto(`${API}/#/routes`);
    const total = (NVAS * ROUTES_PER_NVA * 2).toLocaleString('en-US');
    await page.waitForFunction(
      (want) =>
        document
          .querySelector('[data-testid="route-count"]')
          ?.textContent?.startsWith(`${want} of ${want}`) === true,
      total,
    );
    const routesLoadMs = Date.now() - started;
    const longest = await filter(page, 'longest', '10.103.17.40');
    const exact = await filter(page, 'exact', '10.105.200.0/28');
    const text = await filter(page, 'text', '65007');
    started = Date.now();
    await page.locator('.vbody').evaluate((element) => element.scrollTo(0, element.scrollHeight / 2));
    await page.getByLabel('Search').fill('');
    await page.waitForFunction(
      (want) =>
        document.querySelector('[data-testid="route-count"]')?.textContent?.startsWith(`${want} of`) === true,
      total,
    );
    const clearMs = Date.now() - started;
    const idleRoutes = await idleCpuPercent(server.pid);
    // one NVA withdraws one prefix: until the page (all peers listed) shows it gone, without a reload
    const withdrawn = prefixesOf(0)[0]!;
    await page.getByLabel('Match').selectOption('exact');
    await page.getByLabel('Search').fill(withdrawn);
    const countOf = (want: number) =>
      page.waitForFunction(
        (prefix) =>
          document.querySelector('[data-testid="route-count"]')?.textContent?.startsWith(prefix) === true,
        `${want} of`,
        { timeout: 30_000 },
      );
    await countOf(2);
    started = Date.now();
    await nvas[0]!.withdraw(withdrawn);
    await countOf(0);
    const withdrawMs = Date.now() - started;

    const load = loadavg()
      .map((value) => value.toFixed(1))
      .join(' ');
    console.log(`dashboard bench (${NVAS} BIRD NVAs x ${ROUTES_PER_NVA} prefixes, load average ${load})`);
    console.log(
      `  first contentful paint of the sign-in page: ${coldPaint.toFixed(0)} ms cold, ${warmPaint.toFixed(0)} ms warm`,
    );
    console.log(`  sign-in to the topology with all ${NVAS * 2} sessions drawn: ${topologyMs} ms`);
    console.log(`  routes page: ${total} rows loaded and listed in ${routesLoadMs} ms`);
    for (const [name, result] of [
      ['longest match 10.103.17.40', longest],
      ['exact 10.105.200.0/28', exact],
      ['text 65007', text],
    ] as const)
      console.log(
        `  filter ${name}: ${result.inPage.toFixed(1)} ms in the page, ${result.shown} ms until shown (${result.text.split(' (')[0]})`,
      );
    console.log(`  clearing the search (all rows again, scrolled to the middle): ${clearMs} ms`);
    console.log(`  an NVA withdraws one prefix: gone from the routes page after ${withdrawMs} ms`);
    console.log(
      `  server CPU while idle, ${IDLE_SECONDS} s each: ${idleWithout.toFixed(2)} % without a dashboard, ` +
        `${idleTopology.toFixed(2)} % with the topology open, ${idleRoutes.toFixed(2)} % with the routes page open`,
    );
  } finally {
    for (const stop of stopAll) await stop().catch(() => undefined);
    await lab.destroy();
  }
}

await main();
