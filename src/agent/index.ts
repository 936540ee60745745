/** The data-plane agent: programs NICs' effective routes into Linux kernels (docs/agent.md). */
export { startAgent, type AgentOptions, type RunningAgent } from './agent.js';
export { checkTargets, DEFAULT_ROUTE_PROTOCOL, TargetFlags, targetsFromFile } from './config.js';
export { AGENT_ERROR_CODES, AgentError } from './errors.js';
export type { AgentTarget } from './target-sync.js';
export type { ApiAccess } from './watch-client.js';
