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

/**
 * A command the tool prints for a person to run (`cio-postmark doctor …`, `npx cio-postmark …`,
 * `node bin/cio-postmark.js …`): from there to the line's end it is never broken. It goes whole on
 * a line of its own, for the terminal to fold, so that it copies as one line.
 */
const COMMAND = /(?<=^|\s)(npx cio-postmark|cio-postmark|node \S*cio-postmark\.js)(?= (setup|doctor|status|remove|apply)\b| --)/;

export function wrapLine(line: string, columns: number): string {
  if (width(line) <= columns) return line;
  const command = COMMAND.exec(stripVTControlCharacters(line));
  const { indent, lead } = leadOf(line);
  const hanging = " ".repeat(indent.length + width(lead));
  if (command) {
    if (stripVTControlCharacters(line).slice(0, command.index).trim() === "") return line;
    const start = visibleIndex(line, command.index);
    return `${wrapLine(line.slice(0, start).trimEnd(), columns)}\n${hanging}${line.slice(start)}`;
  }
  const body = line.slice(indent.length + lead.length);
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

/** Where the `visible`-th character of the stripped line sits in the line with its colour codes. */
function visibleIndex(line: string, visible: number): number {
  for (let index = 0, seen = 0; index <= line.length; index++) {
    if (seen === visible && !line.startsWith("\x1b[", index)) return index;
    // eslint-disable-next-line no-control-regex
    const code = /^\x1b\[[0-9;]*m/.exec(line.slice(index));
    if (code) index += code[0].length - 1;
    else seen += 1;
  }
  return line.length;
}

/** A line's indent, and the short mark after it ("•", "✔", "1.") whose text its continuation lines hang under. */
function leadOf(line: string): { indent: string; lead: string } {
  const indent = /^ */.exec(line)![0];
  const body = line.slice(indent.length);
  const first = body.split(" ", 1)[0]!;
  return { indent, lead: body.includes(" ") && MARK.test(stripVTControlCharacters(first)) ? `${first} ` : "" };
}

export function wrapText(text: string, columns: number): string {
  return text
    .split("\n")
    .map((line) => wrapLine(line, columns))
    .join("\n");
}
