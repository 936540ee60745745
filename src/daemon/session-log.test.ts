import diagnostics from 'node:diagnostics_channel';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SESSION_CHANNEL } from '../bgp/session/index.js';
import { createLogger } from './logging.js';
import { describeNotification, logSessionEvents } from './session-log.js';

function capture() {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      records.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { records, logger: createLogger({ stream, format: 'json', level: 'info' }) };
}

describe('BGP session log', () => {
  it('names NOTIFICATIONs by RFC 4271 code and RFC 4486 Cease subcode', () => {
    expect(describeNotification(6, 2)).toBe('Cease / Administrative Shutdown');
    expect(describeNotification(4, 0)).toBe('Hold Timer Expired (subcode 0)');
  });

  it('logs sessions going up and down and NOTIFICATIONs from the diagnostics channel, until unsubscribed', () => {
    const { records, logger } = capture();
    const unsubscribe = logSessionEvents(logger);
    const channel = diagnostics.channel(SESSION_CHANNEL);
    const base = { localAddress: '10.1.0.4', peer: '10.1.1.4' };
    channel.publish({ ...base, type: 'state', from: 'OpenConfirm', to: 'Established', reason: undefined });
    channel.publish({ ...base, type: 'state', from: 'Connect', to: 'Active', reason: undefined }); // debug: not shown
    channel.publish({
      ...base,
      type: 'notification-received',
      notification: { type: 'notification', code: 4, subcode: 0, data: new Uint8Array() },
    });
    unsubscribe();
    channel.publish({ ...base, type: 'state', from: 'Established', to: 'Idle', reason: undefined });
    expect(records.map((r) => [r['level'], r['msg'], r['peer']])).toEqual([
      [30, 'BGP session up', '10.1.1.4'],
      [40, 'NOTIFICATION received: Hold Timer Expired (subcode 0)', '10.1.1.4'],
    ]);
  });

  it('logs a TCP-MD5 key that could not be installed at error, with the reason', () => {
    const { records, logger } = capture();
    const unsubscribe = logSessionEvents(logger);
    diagnostics.channel(SESSION_CHANNEL).publish({
      type: 'tcp-md5-failed',
      localAddress: '10.1.0.4',
      peer: '10.1.1.4',
      message: 'the TCP-MD5 addon cannot be loaded',
    });
    unsubscribe();
    expect(records).toEqual([
      expect.objectContaining({
        level: 50,
        peer: '10.1.1.4',
        reason: 'the TCP-MD5 addon cannot be loaded',
        msg: expect.stringMatching(/^TCP-MD5 key not installed/) as unknown,
      }),
    ]);
  });
});
