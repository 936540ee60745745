/** Which output of a long-lived `ip -batch` belongs to which request (the lines are what iproute2 6.1 prints). */
import { describe, expect, it } from 'vitest';
import { BatchLedger, type BatchReply } from './ip-batch.js';

function submit(ledger: BatchLedger, commands: string[], query: string) {
  const result: { reply?: BatchReply; error?: Error } = {};
  const text = ledger.submit(
    commands,
    query,
    (reply) => (result.reply = reply),
    (error) => (result.error = error),
  );
  return { text, result };
}

const ROUTES = '[{"dst":"10.9.0.0/16","gateway":"10.0.4.9","dev":"eth0","protocol":"247","flags":[]}]';

describe('ip batch ledger', () => {
  it('numbers lines over the session and ends each reply at its query', () => {
    const ledger = new BatchLedger();
    const first = submit(ledger, [], 'link show dev eth0');
    const second = submit(
      ledger,
      ['route replace 10.9.0.0/16 via 10.0.4.9 dev eth0 proto 247'],
      'route show table main',
    );
    expect(first.text).toBe('link show dev eth0\n');
    expect(second.text).toBe(
      'route replace 10.9.0.0/16 via 10.0.4.9 dev eth0 proto 247\nroute show table main\n',
    );
    expect(ledger.pending).toBe(2);
    ledger.receive('[{"ifindex":3,"ifname":"eth0"}]');
    expect(first.result.reply).toEqual({ output: '[{"ifindex":3,"ifname":"eth0"}]', failures: [] });
    expect(second.result.reply).toBeUndefined();
    ledger.receive(ROUTES);
    expect(second.result.reply).toEqual({ output: ROUTES, failures: [] });
    expect(ledger.pending).toBe(0);
  });

  it('names each refused command with the message ip printed before it, and goes on', () => {
    const ledger = new BatchLedger();
    submit(ledger, [], 'route show table main');
    ledger.receive('[]');
    const { result } = submit(
      ledger,
      [
        'route replace 10.9.0.0/16 via 10.0.4.9 dev eth0 proto 247',
        'route replace 10.8.0.0/16 via 10.77.0.1 dev eth0 proto 247',
        'route del 10.7.0.0/16 proto 247',
      ],
      'route show table main',
    );
    ledger.receive('Error: Nexthop has invalid gateway.');
    ledger.receive('Command failed -:3');
    ledger.receive('RTNETLINK answers: No such process');
    ledger.receive('Command failed -:4');
    expect(result.reply).toBeUndefined();
    ledger.receive(ROUTES);
    expect(result.reply).toEqual({
      output: ROUTES,
      failures: [
        {
          line: 'route replace 10.8.0.0/16 via 10.77.0.1 dev eth0 proto 247',
          message: 'Error: Nexthop has invalid gateway.',
        },
        { line: 'route del 10.7.0.0/16 proto 247', message: 'RTNETLINK answers: No such process' },
      ],
    });
  });

  it('ends a reply whose query failed at the query line, without output', () => {
    const ledger = new BatchLedger();
    const missing = submit(ledger, [], 'link show dev eth9');
    const next = submit(ledger, [], 'route show table main');
    ledger.receive('Device "eth9" does not exist.');
    ledger.receive('Command failed -:1');
    expect(missing.result.reply).toEqual({
      output: undefined,
      failures: [{ line: 'link show dev eth9', message: 'Device "eth9" does not exist.' }],
    });
    ledger.receive('[]');
    expect(next.result.reply).toEqual({ output: '[]', failures: [] });
  });

  it('fails every waiting request when ip is gone or reports a line it was not given', () => {
    const ledger = new BatchLedger();
    const a = submit(ledger, [], 'route show table main');
    const b = submit(ledger, [], 'route show table main');
    ledger.failAll(new Error('ip exited'));
    expect(a.result.error?.message).toBe('ip exited');
    expect(b.result.error?.message).toBe('ip exited');
    const c = submit(ledger, ['route del 10.7.0.0/16 proto 247'], 'route show table main');
    expect(ledger.receive('Command failed -:9')).toBe(false);
    expect(c.result.error?.message).toMatch(/line 9, expected 3-4/);
    expect(ledger.pending).toBe(0);
    expect(ledger.receive('[]')).toBe(false);
    expect(ledger.receive('')).toBe(true);
  });

  it('refuses a command that is not one batch line', () => {
    const ledger = new BatchLedger();
    expect(() => submit(ledger, ['route del 10.7.0.0/16\nroute flush table main'], 'route show')).toThrow(
      /not one ip batch command/,
    );
    expect(() => submit(ledger, [], 'route show # all')).toThrow(/not one ip batch command/);
    expect(ledger.pending).toBe(0);
  });
});
