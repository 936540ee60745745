/** The agent's targets from flags and from a YAML file, and the refusals of bad input. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTargets, TargetFlags, targetsFromFile } from './config.js';

const NIC = (name: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/${name}`;

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function file(text: string): string {
  dir = mkdtempSync(join(tmpdir(), 'rs-agent-config-'));
  const path = join(dir, 'agent.yaml');
  writeFileSync(path, text);
  return path;
}

describe('targets from flags', () => {
  it('groups --netns and --dev with the --nic before them; dev defaults to eth0', () => {
    const flags = new TargetFlags();
    flags.nic(NIC('vm1'));
    flags.set('netns', 'vm1');
    flags.nic(NIC('vm2'));
    flags.set('dev', 'ens3');
    expect(flags.targets).toEqual([
      { nic: NIC('vm1'), netns: 'vm1', dev: 'eth0' },
      { nic: NIC('vm2'), netns: undefined, dev: 'ens3' },
    ]);
  });

  it('refuses --netns before any --nic, a repeated --dev, and a NIC that is not a resource id', () => {
    expect(() => new TargetFlags().set('netns', 'vm1')).toThrow(/before any --nic/);
    const twice = new TargetFlags();
    twice.nic(NIC('vm1'));
    twice.set('dev', 'eth0');
    expect(() => twice.set('dev', 'eth1')).toThrow(/two --dev/);
    const notAnId = new TargetFlags();
    notAnId.nic('vm1');
    expect(() => notAnId.targets).toThrow(/must be a NIC resource id/);
  });
});

describe('targets from --config', () => {
  it('reads a YAML list of {nic, netns, dev}', () => {
    const path = file(
      `- nic: ${NIC('vm1')}\n  netns: vm1\n- nic: ${NIC('vm2')}\n  netns: vm2\n  dev: eth1\n`,
    );
    expect(targetsFromFile(path)).toEqual([
      { nic: NIC('vm1'), netns: 'vm1', dev: 'eth0' },
      { nic: NIC('vm2'), netns: 'vm2', dev: 'eth1' },
    ]);
  });

  it('names the entry and key at fault', () => {
    expect(() => targetsFromFile(file(`- nic: ${NIC('vm1')}\n  namespace: vm1\n`))).toThrow(
      /entry 1: unknown key 'namespace'/,
    );
    expect(() => targetsFromFile(file(`nic: ${NIC('vm1')}\n`))).toThrow(/must be a YAML list/);
    expect(() => targetsFromFile(join(tmpdir(), 'no-such-agent.yaml'))).toThrow(/cannot read --config/);
  });
});

describe('target set', () => {
  it('refuses no target at all and two NICs in one namespace', () => {
    expect(() => checkTargets([])).toThrow(/nothing to do/);
    expect(() =>
      checkTargets([
        { nic: NIC('vm1'), netns: 'ns1', dev: 'eth0' },
        { nic: NIC('vm2'), netns: 'ns1', dev: 'eth1' },
      ]),
    ).toThrow(/one NIC per namespace/);
  });
});
