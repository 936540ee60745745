import { describe, expect, it } from 'vitest';
import { escapeTerminalText } from './terminal-text.js';

describe('escapeTerminalText', () => {
  it('makes an OSC title sequence and a screen clear visible', () => {
    expect(escapeTerminalText('\u001b]0;owned\u0007\u001b[2J')).toBe('\\x1b]0;owned\\x07\\x1b[2J');
  });

  it('escapes every C0 control, DEL and every C1 control', () => {
    for (let code = 0; code <= 0x9f; code++) {
      if (code >= 0x20 && code < 0x7f) continue;
      const escaped = escapeTerminalText(`a${String.fromCharCode(code)}b`);
      expect(escaped).toBe(`a\\x${code.toString(16).padStart(2, '0')}b`);
    }
  });

  it('escapes bidirectional embeddings, overrides and isolates', () => {
    const bidi = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
    for (const code of bidi) {
      expect(escapeTerminalText(String.fromCharCode(code))).toBe(`\\u${code.toString(16)}`);
    }
  });

  it('leaves printable text, including non-Latin scripts and emoji, unchanged', () => {
    const text = 'westeurope rs-1 /subscriptions/x ünïcödé 東京 שלום 🚀 \u00a0';
    expect(escapeTerminalText(text)).toBe(text);
  });
});
