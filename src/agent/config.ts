/**
 * Which VMs the agent serves: `--nic ID [--netns NAME] [--dev IFNAME]`
 * groups on the command line (each `--nic` opens a group; `--netns` and
 * `--dev` belong to the `--nic` before them), or a YAML list of
 * `{nic, netns, dev}` (`--config FILE`). `dev` defaults to `eth0`; without
 * `netns` the agent programs its own namespace.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { AGENT_ERROR_CODES as E, AgentError } from './errors.js';
import type { AgentTarget } from './target-sync.js';

const DEFAULT_DEVICE = 'eth0';

/**
 * The agent's route protocol number (`proto 247` in `ip route`). Linux keeps
 * 0-4 for itself and iproute2's rt_protos names well-known daemons (bird 12,
 * zebra 11, FRR's 186-198, babel 42, …); 247 is unused by any of them.
 */
export const DEFAULT_ROUTE_PROTOCOL = 247;

const NIC_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/networkInterfaces\/[^/]+$/i;
const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const DEVICE_NAME = /^[A-Za-z0-9_.@:-]{1,15}$/;

function bad(message: string): AgentError {
  return new AgentError(E.BAD_CONFIG, message);
}

/** Collects `--nic`/`--netns`/`--dev` in command-line order (commander calls the parsers in that order). */
export class TargetFlags {
  private readonly groups: { nic: string; netns?: string; dev?: string }[] = [];

  nic(value: string): void {
    this.groups.push({ nic: value });
  }

  set(field: 'netns' | 'dev', value: string): void {
    const group = this.groups[this.groups.length - 1];
    if (group === undefined)
      throw bad(`--${field} ${value} comes before any --nic; put it after the --nic it belongs to`);
    if (group[field] !== undefined) throw bad(`--nic ${group.nic} has two --${field}`);
    group[field] = value;
  }

  get targets(): AgentTarget[] {
    return this.groups.map((group, index) => checkTarget(group, `--nic #${index + 1}`));
  }
}

function checkTarget(entry: Record<string, unknown>, where: string): AgentTarget {
  for (const key of Object.keys(entry)) {
    if (!['nic', 'netns', 'dev'].includes(key)) throw bad(`${where}: unknown key '${key}' (nic, netns, dev)`);
  }
  const { nic, netns, dev } = entry;
  if (typeof nic !== 'string' || !NIC_ID.test(nic)) {
    throw bad(
      `${where}: nic must be a NIC resource id, /subscriptions/{id}/resourceGroups/{group}/providers/` +
        `Microsoft.Network/networkInterfaces/{name}; got ${JSON.stringify(nic)}`,
    );
  }
  if (netns !== undefined && (typeof netns !== 'string' || !NETNS_NAME.test(netns))) {
    throw bad(`${where}: netns ${JSON.stringify(netns)} is not a network namespace name`);
  }
  if (dev !== undefined && (typeof dev !== 'string' || !DEVICE_NAME.test(dev))) {
    throw bad(`${where}: dev ${JSON.stringify(dev)} is not an interface name`);
  }
  return { nic, netns, dev: dev ?? DEFAULT_DEVICE };
}

/** Reads a `--config` YAML file: a list of `{nic, netns, dev}`. */
export function targetsFromFile(path: string): AgentTarget[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw bad(`cannot read --config ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw bad(`--config ${path} is not YAML: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw bad(`--config ${path} must be a YAML list of {nic, netns, dev}`);
  return parsed.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null) throw bad(`${path} entry ${index + 1} is not a mapping`);
    return checkTarget(entry as Record<string, unknown>, `${path} entry ${index + 1}`);
  });
}

/** One NIC per namespace: the agent owns a namespace's routes of its protocol. */
export function checkTargets(targets: readonly AgentTarget[]): void {
  if (targets.length === 0) throw bad('nothing to do: give --nic (with --netns, --dev) or --config FILE');
  const seen = new Map<string, string>();
  for (const target of targets) {
    const namespace = target.netns ?? '(host)';
    const other = seen.get(namespace);
    if (other !== undefined) {
      throw bad(
        `${other} and ${target.nic} share namespace ${namespace}; the agent serves one NIC per namespace`,
      );
    }
    seen.set(namespace, target.nic);
  }
}
