/**
 * Logs: pino, JSON lines on stdout; on a terminal a compact human-readable
 * line per record instead (time, level, message, then the other fields as
 * key=value), so `npm start` is readable without piping into a formatter.
 * `--log-format json|pretty` overrides the choice; `--log-level` sets pino's level.
 * The pretty line goes to a terminal, so every part of it that can hold text
 * from the network (a peer's shutdown message, a resource name) is printed
 * through `escapeTerminalText`; JSON lines are escaped by JSON.
 */
import { pino, type Logger } from 'pino';
import { escapeTerminalText } from '../lib/terminal-text.js';

export type LogFormat = 'json' | 'pretty';

const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function fieldText(value: unknown): string {
  const text = typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value);
  return escapeTerminalText(text);
}

function stackText(stack: unknown): string {
  return String(stack)
    .split('\n')
    .map((line) => `\n    ${escapeTerminalText(line)}`)
    .join('');
}

/** One JSON log line as a human-readable line (exported for tests). */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return `${escapeTerminalText(json.replace(/\n$/, ''))}\n`;
  }
  const time = typeof record['time'] === 'number' ? new Date(record['time']).toISOString().slice(11, 23) : '';
  const level = LEVEL_NAMES[Number(record['level'])] ?? String(record['level']);
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (OMITTED.has(key)) continue;
    if (key === 'err' && typeof value === 'object' && value !== null && 'stack' in value) {
      stack = stackText(value.stack);
      continue;
    }
    fields.push(`${escapeTerminalText(key)}=${fieldText(value)}`);
  }
  const message = typeof record['msg'] === 'string' ? escapeTerminalText(record['msg']) : '';
  return `${time} ${escapeTerminalText(level)} ${message}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${stack}\n`;
}

export interface LoggerOptions {
  readonly format?: LogFormat;
  readonly level?: string;
  /** where lines go, default process.stdout */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stdout;
  const format = options.format ?? (stream.isTTY === true ? 'pretty' : 'json');
  const level = options.level ?? 'info';
  if (format === 'json') return pino({ level, base: { pid: process.pid } }, stream);
  return pino({ level }, { write: (line: string) => stream.write(prettyLine(line)) });
}
