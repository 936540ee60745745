/**
 * A peering's BFD settings as the route server holds them, their defaults
 * and the ranges the API, the config file and the CLI accept.
 *
 * Intervals are milliseconds (BFD carries microseconds on the wire, RFC 5880
 * §4.1). The floor of 50 ms is ours: timers run on Node's event loop, and a
 * detection time below 150 ms would turn a busy loop into a false failure.
 * The multiplier starts at 2: with 1 a single lost packet is a failure.
 */
import type { BfdTimers } from './session.js';

export interface BfdSettings {
  /** Required Min RX Interval (ms) */
  readonly minRx: number;
  /** Desired Min TX Interval once Up (ms) */
  readonly minTx: number;
  /** Detect Mult */
  readonly multiplier: number;
  /** RFC 5883 (UDP 4784) when true, RFC 5881 single-hop (UDP 3784) when false */
  readonly multihop: boolean;
}

/**
 * An NVA peers with Azure Route Server over eBGP multihop (it sits in
 * another subnet of the VNet), so multihop BFD is the default.
 */
export const BFD_DEFAULTS: BfdSettings = { minRx: 300, minTx: 300, multiplier: 3, multihop: true };

export const BFD_INTERVAL_RANGE_MS = [50, 60_000] as const;
export const BFD_MULTIPLIER_RANGE = [2, 255] as const;

/** The first field out of range, with the reason; undefined when all are valid. */
export function bfdSettingsProblem(
  settings: Partial<BfdSettings>,
): { readonly field: keyof BfdSettings; readonly message: string } | undefined {
  const [low, high] = BFD_INTERVAL_RANGE_MS;
  for (const field of ['minRx', 'minTx'] as const) {
    const value = settings[field];
    if (value !== undefined && (!Number.isInteger(value) || value < low || value > high))
      return { field, message: `${field} must be an integer number of milliseconds from ${low} to ${high}` };
  }
  const [min, max] = BFD_MULTIPLIER_RANGE;
  const multiplier = settings.multiplier;
  if (multiplier !== undefined && (!Number.isInteger(multiplier) || multiplier < min || multiplier > max))
    return { field: 'multiplier', message: `multiplier must be an integer from ${min} to ${max}` };
  if (settings.multihop !== undefined && typeof settings.multihop !== 'boolean')
    return { field: 'multihop', message: 'multihop must be true or false' };
  return undefined;
}

export function bfdTimers(settings: BfdSettings): BfdTimers {
  return {
    desiredMinTxMs: settings.minTx,
    requiredMinRxMs: settings.minRx,
    detectMultiplier: settings.multiplier,
  };
}
