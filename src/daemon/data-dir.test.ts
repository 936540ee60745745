import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDaemon } from './daemon.js';
import { secureDataDirectory } from './data-dir.js';

let root: string;
let dataDir: string;

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** A data directory as an older version or a careless copy left it: everything readable by all. */
function looseDataDirectory(): void {
  mkdirSync(join(dataDir, 'tls'), { recursive: true });
  chmodSync(dataDir, 0o755);
  chmodSync(join(dataDir, 'tls'), 0o755);
  for (const file of ['routeserver.db', 'api-token', 'tls/key.pem']) {
    writeFileSync(join(dataDir, file), '');
    chmodSync(join(dataDir, file), 0o644);
  }
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rs-datadir-'));
  dataDir = join(root, 'data');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('data directory modes', () => {
  it('makes an existing directory 0700 and its database, token and key 0600, and says what it changed', () => {
    looseDataDirectory();
    const changed = secureDataDirectory(dataDir);
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'tls'))).toBe(0o700);
    for (const file of ['routeserver.db', 'api-token', 'tls/key.pem'])
      expect(modeOf(join(dataDir, file))).toBe(0o600);
    expect(changed).toHaveLength(5);
    expect(secureDataDirectory(dataDir)).toEqual([]);
  });

  it('creates a new directory 0700 with an empty database file 0600 whatever the umask', () => {
    const previous = process.umask(0o022);
    try {
      secureDataDirectory(dataDir);
    } finally {
      process.umask(previous);
    }
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, 'routeserver.db'))).toBe(0o600);
  });

  it('is private after a daemon start on a directory left world-readable, database files included', async () => {
    looseDataDirectory();
    rmSync(join(dataDir, 'api-token'));
    rmSync(join(dataDir, 'tls/key.pem'));
    const daemon = await startDaemon({
      dataDir,
      apiListen: { host: '127.0.0.1', port: 0 },
      bgp: { enabled: false },
      logger: pino({ level: 'silent' }),
    });
    try {
      expect(modeOf(dataDir)).toBe(0o700);
      for (const file of [
        'routeserver.db',
        'routeserver.db-wal',
        'routeserver.db-shm',
        'api-token',
        'tls/key.pem',
      ])
        expect(modeOf(join(dataDir, file))).toBe(0o600);
    } finally {
      await daemon.stop();
    }
  });
});
