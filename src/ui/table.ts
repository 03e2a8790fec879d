import stringWidth from "string-width";

/**
 * Rows in aligned columns, measured in screen columns (a CJK name takes two per character). A cell
 * wider than its column's limit is cut, with "…", by columns too; values are made safe by the caller.
 */
export function table(rows: string[][], limits: number[] = []): string[] {
  const cells = rows.map((row) => row.map((cell, column) => cut(cell, limits[column] ?? Infinity)));
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((row) => stringWidth(row[column] ?? ""))));
  return cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : pad(cell, widths[column]!))).join("  "));
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - stringWidth(text)));
}

function cut(text: string, limit: number): string {
  if (stringWidth(text) <= limit) return text;
  let kept = "";
  for (const char of text) {
    if (stringWidth(kept + char) > limit - 1) break;
    kept += char;
  }
  return `${kept}…`;
}
