/**
 * `routeserver agent`: programs the effective routes of one or more VMs
 * (network namespaces or this host) into their kernels (docs/agent.md).
 *
 * Start: every target's namespace and interface are checked and every watch
 * delivers its first snapshot before any route is written, so a bad NIC id,
 * token, endpoint or namespace stops the agent with nothing half-programmed.
 * Then each target reconciles (adds what is missing, removes its own stale
 * routes) and follows its watch. Stop leaves the routes in place unless
 * `flushOnExit`.
 */
import { TargetSync, type AgentTarget, type SyncOptions } from './target-sync.js';
import type { ApiAccess } from './watch-client.js';

export interface AgentOptions extends SyncOptions {
  readonly flushOnExit: boolean;
}

export interface RunningAgent {
  readonly targets: readonly TargetSync[];
  /** stops every watch; removes the agent's routes when `flushOnExit` */
  stop(): Promise<void>;
}

export async function startAgent(
  targets: readonly AgentTarget[],
  access: ApiAccess,
  options: AgentOptions,
): Promise<RunningAgent> {
  const syncs = targets.map((target) => new TargetSync(target, access, options));
  try {
    await Promise.all(syncs.map((sync) => sync.start()));
  } catch (error) {
    for (const sync of syncs) {
      sync.stop();
      sync.close();
    }
    throw error;
  }
  await Promise.all(syncs.map((sync) => sync.program()));
  options.log(`programming ${syncs.length} target(s) with route protocol ${options.protocol}`);
  let stopping: Promise<void> | undefined;
  return {
    targets: syncs,
    stop: () =>
      (stopping ??= (async () => {
        for (const sync of syncs) sync.stop();
        await Promise.all(syncs.map((sync) => sync.settled()));
        try {
          if (options.flushOnExit) await Promise.all(syncs.map((sync) => sync.flush()));
          else options.log('stopped; the routes stay in place (--flush-on-exit removes them)');
        } finally {
          for (const sync of syncs) sync.close();
        }
      })()),
  };
}
