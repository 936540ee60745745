import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLine } from './logging.js';

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
});
