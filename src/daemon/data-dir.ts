/**
 * The data directory holds the store, the API token and the TLS key: only
 * the user running `routeserver serve` may read it. At every start-up the
 * directory (and its tls/ directory) get mode 0700 and every file holding
 * state or a secret gets 0600, whatever modes an earlier version, a restore
 * from backup or an operator's copy left behind. SQLite creates its -wal and
 * -shm files with the database file's mode, so those follow.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_STATE_FILE } from './config-prune.js';
import { API_TOKEN_FILE, API_URL_FILE, STORE_FILE } from './defaults.js';

const DATA_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/** Files in the data directory that hold state or secrets (relative paths). */
const PRIVATE_FILES: readonly string[] = [
  STORE_FILE,
  `${STORE_FILE}-wal`,
  `${STORE_FILE}-shm`,
  `${STORE_FILE}-journal`,
  API_TOKEN_FILE,
  API_URL_FILE,
  'tls/key.pem',
  CONFIG_STATE_FILE,
];

/**
 * Creates the data directory (0700) and an empty database file (0600) when
 * absent, then sets the modes of what exists. Returns the paths whose mode
 * was too open (to be logged).
 */
export function secureDataDirectory(dataDir: string): string[] {
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const changed: string[] = [];
  const tighten = (path: string, mode: number) => {
    const current = statSync(path, { throwIfNoEntry: false });
    if (current === undefined || (current.mode & 0o777) === mode) return;
    chmodSync(path, mode);
    changed.push(path);
  };
  tighten(dataDir, DATA_DIR_MODE);
  tighten(join(dataDir, 'tls'), DATA_DIR_MODE);
  // an empty file is an empty SQLite database; created here so it never exists with the umask's mode
  closeSync(openSync(join(dataDir, STORE_FILE), 'a', PRIVATE_FILE_MODE));
  for (const file of PRIVATE_FILES) tighten(join(dataDir, file), PRIVATE_FILE_MODE);
  return changed;
}
