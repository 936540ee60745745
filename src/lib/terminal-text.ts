/**
 * Text from the network (resource names, locations, tags, a peer's RFC 8203
 * shutdown message) printed for a human must not drive the terminal: an
 * escape sequence could retitle the window, clear the screen or forge lines,
 * and a bidirectional override could make text read differently from what it
 * is (the "Trojan Source" paper). `escapeTerminalText` replaces every such
 * character by a visible escape:
 * - C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls
 *   (U+0080–U+009F) as `\xHH`;
 * - bidirectional embeddings and overrides (U+202A–U+202E) and isolates
 *   (U+2066–U+2069) as `\uHHHH`.
 * Everything else passes unchanged. JSON output needs none of this: JSON
 * escapes C0 itself and a JSON consumer never renders the rest.
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visibleEscape(character: string): string {
  const code = character.charCodeAt(0);
  const hex = code.toString(16).padStart(code > 0xff ? 4 : 2, '0');
  return code > 0xff ? `\\u${hex}` : `\\x${hex}`;
}

/** `text` with control characters and bidirectional overrides/isolates made visible. */
export function escapeTerminalText(text: string): string {
  return text.replace(UNSAFE, visibleEscape);
}
