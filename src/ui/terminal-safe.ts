/**
 * Text from outside (server and stream names, URLs, API and SMTP messages, saved config) must never
 * drive the terminal: no window titles, screen clears, forged lines or reversed text.
 */

// C0 controls, DEL and C1 controls; bidi marks, embeddings, overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_VALUE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// The same, except the line breaks and colour codes (SGR: ESC [ digits m) that this tool writes itself.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_OUTPUT = /\u001b\[[0-9;]*m|[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(char: string): string {
  const code = char.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One value from outside, shown on one line with every control character visibly escaped. */
export function shown(value: unknown): string {
  return String(value).replace(UNSAFE_IN_VALUE, escapeChar);
}

/** The last pass over everything written to a terminal: keeps our own line breaks and colours, escapes the rest. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE_IN_OUTPUT, (match) => (match.length > 1 ? match : escapeChar(match)));
}
