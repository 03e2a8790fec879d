/** Postmark matches stream IDs whatever their case: "Outbound" and "outbound" are one stream. */
export const sameStreamId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** One saved connection per server and stream: its key in the config file. */
export const connectionKey = (serverId: number, streamId: string) => `${serverId}:${streamId.toLowerCase()}`;

/** Whether a connection is the one of this server and stream. */
export const isConnectionOf = (connection: { serverId: number; streamId: string }, serverId: number, streamId: string) =>
  connection.serverId === serverId && sameStreamId(connection.streamId, streamId);

/** --server is a server's exact name or its numeric ID ("001" is ID 1). */
export function matchesServerRef(id: number, name: string, ref: string): boolean {
  return name === ref || (/^\d+$/.test(ref) && Number(ref) === id);
}

/** Suggestions for a name that matched nothing: the closest few, by edit distance or containment. */
export function closeMatches(needle: string, candidates: string[], limit = 5): string[] {
  const target = needle.toLowerCase();
  return candidates
    .map((name) => ({ name, score: similarity(target, name.toLowerCase()) }))
    .filter(({ score }) => score <= Math.max(3, Math.floor(target.length / 3)))
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map(({ name }) => name);
}

/** The command a mistyped word most likely meant: at most two edits away (case aside), else none. */
export function closestWord(word: string, candidates: string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = levenshtein(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function similarity(a: string, b: string): number {
  if (b.includes(a) || a.includes(b)) return 0;
  return levenshtein(a, b);
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
