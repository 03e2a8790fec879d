/** How the simulated Postmark refuses, pages and reads what it is sent, as the real API does. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
    /** More fields of the error body (1364 carries per-trigger results). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const notFound = () => new ApiError(404, 0, "The requested resource was not found.");

export function fail(status: number, code: number, message: string): never {
  throw new ApiError(status, code, message);
}

const MAX_PAGE = 500;

/** Postmark's paging: `count` and `offset` are required, and a page holds at most 500. */
export function page<T>(query: Record<string, string>, items: T[], key: string) {
  const count = Number(query.count);
  const offset = Number(query.offset);
  if (query.count === undefined || query.offset === undefined || !Number.isInteger(count) || !Number.isInteger(offset)) {
    throw new ApiError(422, 400, "The 'count' and 'offset' parameters are required.");
  }
  if (count < 1 || count > MAX_PAGE || offset < 0) {
    throw new ApiError(422, 400, `'count' must be between 1 and ${MAX_PAGE}, and 'offset' at least 0.`);
  }
  return { TotalCount: items.length, [key]: items.slice(offset, offset + count) };
}

/** Stream ids and query enums are matched case-insensitively, as the real API does. */
export function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function jsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function parseBody(raw: string): unknown {
  if (raw.trim() === "" || raw.trim() === "null") return null;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(422, 402, "The request body is not valid JSON.");
  }
}
