import { describe, expect, it } from 'vitest';
import { ArmResponseError, formatError } from './errors.js';

describe('formatError', () => {
  it('prints a server message that echoes an escape sequence as visible text, keeping its own layout', () => {
    const error = new ArmResponseError(
      400,
      'InvalidRequest',
      "location '\u001b[2J' is \u202eodd",
      'location\u0007',
      [{ code: 'Detail\u009b', message: 'x', target: 'y' }],
    );
    expect(formatError(error)).toBe(
      [
        "ERROR: (InvalidRequest) location '\\x1b[2J' is \\u202eodd",
        'Code: InvalidRequest',
        "Message: location '\\x1b[2J' is \\u202eodd",
        'Target: location\\x07',
        'Exception Details:\t(Detail\\x9b) x',
        '\tTarget: y',
      ].join('\n'),
    );
  });
});
