/**
 * A peering's graceful restart settings (docs/graceful-restart.md): their
 * defaults and the ranges the API, the config file and the CLI accept.
 *
 * Both times are seconds in 1-4095: the Restart Time field of the Graceful
 * Restart Capability has 12 bits (RFC 4724 §3), and the stale-path time
 * takes the same range, as FRR's `bgp graceful-restart stalepath-time`.
 * The defaults are FRR's (restart-time 120, stalepath-time 360).
 */
import type { PeeringGracefulRestart } from './records.js';

export const GRACEFUL_RESTART_DEFAULTS = { restartTime: 120, stalePathTime: 360 } as const;

const TIME_RANGE = [1, 4095] as const;

/** The first field out of range, with the reason; undefined when all are valid. */
export function gracefulRestartProblem(
  settings: Partial<PeeringGracefulRestart>,
): { readonly field: keyof PeeringGracefulRestart; readonly message: string } | undefined {
  if (settings.enabled !== undefined && typeof settings.enabled !== 'boolean')
    return { field: 'enabled', message: 'enabled must be true or false' };
  const [low, high] = TIME_RANGE;
  for (const field of ['restartTime', 'stalePathTime'] as const) {
    const value = settings[field];
    if (value !== undefined && (!Number.isInteger(value) || value < low || value > high))
      return { field, message: `${field} must be an integer number of seconds from ${low} to ${high}` };
  }
  return undefined;
}
