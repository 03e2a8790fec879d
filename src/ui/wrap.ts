import { stripVTControlCharacters } from "node:util";
import stringWidth from "string-width";

/**
 * Prose wrapped at word boundaries to the terminal's width, measured in screen columns (a CJK
 * character or an emoji takes two). A word that does not fit (a URL, a token, a command) goes on a
 * line of its own, whole: breaking it would make it unusable to copy. Continuation lines keep the
 * line's indent and hang under the text after a short mark ("•", "✔", "1."). Text from outside is
 * kept as it came: runs of spaces inside a line stay. Breaking is hand-written (this text needs only
 * spaces to break at); widths are string-width's, which the bundle loads only with the output.
 */

const width = (text: string) => stringWidth(text);

/** A mark before the text (a symbol such as ✔ or •, or a list number such as "1."), then a space. */
const MARK = /^([^\p{L}\p{N}\s]{1,2}|\d{1,2}\.)$/u;

/** A command on a line of its own: left for the terminal to fold, so that it copies as one line. */
const COMMAND_LINE = /^ *(npx )?cio-postmark /;

export function wrapLine(line: string, columns: number): string {
  if (width(line) <= columns || COMMAND_LINE.test(stripVTControlCharacters(line))) return line;
  const indent = /^ */.exec(line)![0];
  let body = line.slice(indent.length);
  const first = body.split(" ", 1)[0]!;
  const lead = body.includes(" ") && MARK.test(stripVTControlCharacters(first)) ? `${first} ` : "";
  body = body.slice(lead.length);
  const hanging = " ".repeat(indent.length + width(lead));
  const room = Math.max(1, columns - hanging.length);

  const rows: string[] = [];
  let row = "";
  // Split at single spaces: a run of them stays inside a row (an empty word between each).
  for (const word of body.split(" ")) {
    if (row !== "" && width(row) + 1 + width(word) > room) {
      rows.push(row);
      row = word;
    } else {
      row = row === "" ? word : `${row} ${word}`;
    }
  }
  rows.push(row);
  return rows.map((text, i) => (i === 0 ? `${indent}${lead}${text}` : `${hanging}${text}`)).join("\n");
}

export function wrapText(text: string, columns: number): string {
  return text
    .split("\n")
    .map((line) => wrapLine(line, columns))
    .join("\n");
}
