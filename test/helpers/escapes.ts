/** Terminal escape codes (colours, cursor moves, charset and keypad switches), for reading a screen as text. */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]/g;

export const withoutEscapes = (text: string) => text.replace(ESCAPES, "");
