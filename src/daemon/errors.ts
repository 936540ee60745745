/** Errors of `routeserver serve` (start-up, configuration, BGP listeners). Listed in docs/errors.md. */
import { CodedError } from '../lib/errors.js';

export const DAEMON_ERROR_CODES = {
  /** the configuration file cannot be read, is not YAML, or breaks the schema (with line numbers) */
  CONFIG_INVALID: 'BGPRS_ERR_DAEMON_CONFIG_INVALID',
  /** the configuration is valid but the domain service refused a resource */
  CONFIG_APPLY: 'BGPRS_ERR_DAEMON_CONFIG_APPLY',
  /** a command-line value is malformed (e.g. --api-listen) */
  BAD_OPTION: 'BGPRS_ERR_DAEMON_BAD_OPTION',
} as const;

type DaemonErrorCode = (typeof DAEMON_ERROR_CODES)[keyof typeof DAEMON_ERROR_CODES];

export class DaemonError extends CodedError<DaemonErrorCode> {
  override readonly name = 'DaemonError';
}

/** One problem in a configuration file, at a 1-based line and column. */
export interface ConfigProblem {
  readonly line: number;
  readonly column: number;
  /** JSON-pointer-like path in the document, e.g. `/routeServers/0/peerings/1/peerAsn` */
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends DaemonError {
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      DAEMON_ERROR_CODES.CONFIG_INVALID,
      `invalid configuration ${file}:\n` +
        problems
          .map((p) => `  ${file}:${p.line}:${p.column}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`)
          .join('\n'),
    );
  }
}
