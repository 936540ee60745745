/**
 * Record and replay: a session is a file of JSON lines, one per FSM event
 * with the clock time it arrived at and the actions `step` returned. Feeding
 * the events back through `step` from the same configuration must give the
 * same actions, so a bug report can be replayed without sockets or timers.
 *
 * Line format: `{"t":<ms>,"event":{...},"actions":[...]}`; byte fields
 * (Uint8Array) are written as `{"$hex":"..."}`, sets as `{"$set":[...]}`.
 * The first line may be `{"config":{...}}`, the FSM configuration.
 */
import { initialState, step } from './fsm.js';
import type { FsmAction, FsmConfig, FsmEvent, FsmState } from './types.js';

export interface RecordedEvent {
  readonly t: number;
  readonly event: FsmEvent;
  readonly actions?: readonly FsmAction[];
  /** which FSM of a session (a peer has a second one during a collision) */
  readonly attempt?: number;
}

export interface RecordedConfig {
  readonly config: FsmConfig;
  readonly attempt?: number;
}

function toJson(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { $hex: Buffer.from(value).toString('hex') };
  if (value instanceof Set) return { $set: [...(value as Set<unknown>)] };
  return value;
}

function fromJson(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.$hex === 'string' && Object.keys(record).length === 1) {
      return Uint8Array.from(Buffer.from(record.$hex, 'hex'));
    }
    if (Array.isArray(record.$set) && Object.keys(record).length === 1) return new Set(record.$set);
  }
  return value;
}

/** One JSON line (without the newline) for a recorded event or the configuration header. */
export function encodeEventLine(entry: RecordedEvent | RecordedConfig): string {
  return JSON.stringify(entry, toJson);
}

export function decodeEventLine(line: string): RecordedEvent | RecordedConfig {
  return JSON.parse(line, fromJson) as RecordedEvent | RecordedConfig;
}

/**
 * Runs the events of one FSM (`attempt`, default: the first one in the
 * file) through `step`, starting Idle with its recorded configuration (or
 * `config`). Returns, per event, the actions `step` produced now, and the
 * final state.
 */
export function replay(
  lines: readonly string[],
  options: { config?: FsmConfig; attempt?: number } = {},
): { results: { recorded: RecordedEvent; actions: readonly FsmAction[] }[]; state: FsmState } {
  const all = lines.filter((l) => l.trim() !== '').map(decodeEventLine);
  const attempt = options.attempt ?? all[0]?.attempt;
  const entries = all.filter((e) => e.attempt === attempt);
  let cfg = options.config;
  const header = entries.find((e): e is RecordedConfig => 'config' in e);
  cfg ??= header?.config;
  if (!cfg) throw new Error('replay needs a configuration (recorded or given)');
  const firstEvent = entries.find((e): e is RecordedEvent => 'event' in e);
  let state = initialState(cfg, firstEvent?.t ?? 0);
  const results: { recorded: RecordedEvent; actions: readonly FsmAction[] }[] = [];
  for (const entry of entries) {
    // A configuration line after the first is a runtime change (reconfiguration, promotion after a collision).
    if ('config' in entry) {
      if (entry !== header) state = { ...state, config: entry.config };
      continue;
    }
    const out = step(state, entry.event, entry.t);
    state = out.state;
    results.push({ recorded: entry, actions: out.actions });
  }
  return { results, state };
}

/** Normalises actions for comparison with a recording (same JSON encoding both sides). */
export function actionsJson(actions: readonly FsmAction[]): string {
  return JSON.stringify(actions, toJson);
}
