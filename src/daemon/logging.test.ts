import diagnostics from 'node:diagnostics_channel';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SESSION_CHANNEL } from '../bgp/session/index.js';
import { createLogger, prettyLine } from './logging.js';
import { logSessionEvents } from './session-log.js';

function capture(isTTY: boolean) {
  const lines: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
    { isTTY },
  );
  return { lines, stream };
}

describe('logging', () => {
  it('writes JSON lines when not on a terminal', () => {
    const { lines, stream } = capture(false);
    createLogger({ stream }).info({ peer: '10.1.1.4' }, 'session up');
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 30, msg: 'session up', peer: '10.1.1.4' });
  });

  it('writes one readable line per record on a terminal', () => {
    const { lines, stream } = capture(true);
    createLogger({ stream }).warn({ peer: '10.1.1.4', state: 'Idle' }, 'session down');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN {2}session down {2}peer=10\.1\.1\.4 state=Idle\n$/);
  });

  it('quotes field values with spaces and prints error stacks indented', () => {
    const line = prettyLine(
      JSON.stringify({ level: 50, time: 0, msg: 'failed', why: 'a b', err: { stack: 'Error: x\n  at y' } }),
    );
    expect(line).toBe('00:00:00.000 ERROR failed  why="a b"\n    Error: x\n      at y\n');
  });

  it('honours the level', () => {
    const { lines, stream } = capture(false);
    const logger = createLogger({ stream, level: 'warn' });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
  });

  it('prints a Cease shutdown communication with escape sequences and bidi overrides made visible', () => {
    const { lines, stream } = capture(true);
    const unsubscribe = logSessionEvents(createLogger({ stream }));
    diagnostics.channel(SESSION_CHANNEL).publish({
      type: 'notification-received',
      localAddress: '10.1.0.4',
      peer: '10.1.1.4',
      notification: {
        type: 'notification',
        code: 6,
        subcode: 2,
        data: new Uint8Array(),
        shutdownCommunication: '\u001b]0;owned\u0007\u001b[2J\u202eevil\u009b',
      },
    });
    unsubscribe();
    expect(lines).toHaveLength(1);
    // eslint-disable-next-line no-control-regex
    expect(lines[0]).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(lines[0]).toContain('communication=\\x1b]0;owned\\x07\\x1b[2J\\u202eevil\\x9b');
  });

  it('escapes control characters in the message, keys, values and stack lines', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: 'bad \u001b[31mred',
        'k\u0007': 'v\u2066',
        err: { stack: 'Error: \u001b[2J\n  at \u202ey' },
      }),
    );
    expect(line).toBe(
      '00:00:00.000 ERROR bad \\x1b[31mred  k\\x07=v\\u2066\n    Error: \\x1b[2J\n      at \\u202ey\n',
    );
  });

  it('escapes a line that is not JSON', () => {
    expect(prettyLine('raw \u001b[2J\n')).toBe('raw \\x1b[2J\n');
  });
});
