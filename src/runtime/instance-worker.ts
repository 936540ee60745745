/**
 * Entry of one instance's worker thread (started by instance-handle.ts).
 *
 * Commands run one after another, in the order they arrive; each is
 * answered by a reply or a failure (with the `BgpRuntimeError` code when
 * there is one). Session events and route-engine events published on
 * `node:diagnostics_channel` in this thread are forwarded to the main
 * thread (BMP export events too), which publishes them again on the same channels, so logs and
 * metrics subscribe there as before. UPDATE and drain events stay here:
 * they are per message, and nothing on the main thread logs them. A
 * state event also updates the main thread's copy of the session state.
 *
 * An exception nobody catches ends the thread; the main thread sees it
 * exit and reports the instance down (instance-handle.ts).
 */
import diagnostics from 'node:diagnostics_channel';
import { parentPort } from 'node:worker_threads';
import { SESSION_CHANNEL, type SessionEvent } from '../bgp/session/index.js';
import { BMP_CHANNEL } from '../bmp/index.js';
import { CodedError } from '../lib/errors.js';
import { RIB_CHANNEL } from '../rib/index.js';
import { InstanceHost } from './instance-host.js';
import type { CommandMessage, InstanceReport } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('instance-worker.ts runs in a worker thread');

const send = (report: InstanceReport, transfer?: ArrayBuffer[]) => port.postMessage(report, transfer);
const host = new InstanceHost(send);

/** The part of a session event that crosses: plain data, without the negotiated codec context. */
function forwardable(event: SessionEvent): SessionEvent | undefined {
  switch (event.type) {
    case 'update':
    case 'drain':
      return undefined;
    case 'state': {
      const { negotiated: _negotiated, ...rest } = event;
      return rest;
    }
    default:
      return event;
  }
}

diagnostics.subscribe(SESSION_CHANNEL, (message) => {
  const event = message as SessionEvent;
  if (event.type === 'state') send({ type: 'session', peer: event.peer, state: event.to });
  const forwarded = forwardable(event);
  if (forwarded !== undefined) send({ type: 'diagnostics', channel: SESSION_CHANNEL, message: forwarded });
});
diagnostics.subscribe(RIB_CHANNEL, (message) => send({ type: 'diagnostics', channel: RIB_CHANNEL, message }));
diagnostics.subscribe(BMP_CHANNEL, (message) => send({ type: 'diagnostics', channel: BMP_CHANNEL, message }));

let queue: Promise<unknown> = Promise.resolve();
port.on('message', (command: CommandMessage) => {
  queue = queue.then(async () => {
    try {
      send({ type: 'reply', id: command.id, value: await host.handle(command) });
    } catch (error) {
      const code = error instanceof CodedError ? String(error.code) : undefined;
      send({
        type: 'failed',
        id: command.id,
        ...(code === undefined ? {} : { code }),
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
});
