/** Stable error codes of the data-plane agent (docs/agent.md lists them with their fixes). */
import { CodedError } from '../lib/errors.js';

export const AGENT_ERROR_CODES = {
  /** A flag or the --config file is malformed (exit 2). */
  BAD_CONFIG: 'BGPRS_ERR_AGENT_CONFIG',
  /** A --netns names a network namespace that does not exist. */
  NO_NAMESPACE: 'BGPRS_ERR_AGENT_NO_NAMESPACE',
  /** A --dev names an interface the namespace does not have. */
  NO_DEVICE: 'BGPRS_ERR_AGENT_NO_DEVICE',
  /** The API cannot be reached (connection refused, TLS, timeout, stream lost). */
  UNREACHABLE: 'BGPRS_ERR_AGENT_UNREACHABLE',
  /** The API refused the bearer token. */
  UNAUTHORIZED: 'BGPRS_ERR_AGENT_UNAUTHORIZED',
  /** The API has no such network interface. */
  UNKNOWN_NIC: 'BGPRS_ERR_AGENT_UNKNOWN_NIC',
  /** The API answered something else than a watch stream. */
  API_REFUSED: 'BGPRS_ERR_AGENT_API_REFUSED',
  /** `ip` failed to read or program routes. */
  KERNEL: 'BGPRS_ERR_AGENT_KERNEL',
  /** The agent was stopped. */
  STOPPED: 'BGPRS_ERR_AGENT_STOPPED',
} as const;

export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[keyof typeof AGENT_ERROR_CODES];

export class AgentError extends CodedError<AgentErrorCode> {
  override readonly name = 'AgentError';
}
