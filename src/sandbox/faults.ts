/** What the simulator can do to a request instead of (or before) answering it normally. */
export type Fault =
  /** Postmark documents 429 without Retry-After; `retryAfter` plays a proxy or a future API that sends one. */
  | { kind: "status"; status: 429 | 500 | 502 | 503 | 504; retryAfter?: string }
  /** Any answer at all, as a hostile or broken server might send it: a redirect, HTML, a wrong shape. */
  | { kind: "answer"; status: number; body: string; headers?: Record<string, string> }
  /** Close the socket without answering, before doing anything. */
  | { kind: "drop" }
  /** Never answer. */
  | { kind: "hang" }
  /** Do the work, then close the socket without answering: a response lost on the way back. */
  | { kind: "lose-response" }
  | { kind: "latency"; ms: number };

export interface RequestInfo {
  method: string;
  path: string;
  /** Query keys in lower case. */
  query: Record<string, string>;
  /** Headers as sent, name and value in turn (Node's rawHeaders). */
  rawHeaders?: string[];
}

export interface FaultRule {
  fault: Fault;
  /** Which requests it applies to; every request when absent. */
  match?: (request: RequestInfo & { index: number }) => boolean;
  /** How many matching requests it hits before it is used up; unlimited when absent. */
  times?: number;
}

/** The faults a request meets: every matching latency rule applies; of the other rules, only the first that matches. */
export function takeFaults(rules: FaultRule[], request: RequestInfo & { index: number }): Fault[] {
  const hits: Fault[] = [];
  for (const rule of rules) {
    if (rule.times !== undefined && rule.times <= 0) continue;
    if (rule.match && !rule.match(request)) continue;
    if (rule.fault.kind !== "latency" && hits.some((fault) => fault.kind !== "latency")) continue;
    if (rule.times !== undefined) rule.times -= 1;
    hits.push(rule.fault);
  }
  return hits;
}

/**
 * `fault` on one request in `n`, counting only first tries: a request repeated after the fault (same
 * method, path, query and headers, so the same token) is answered normally. Without this, a retried
 * request could meet the fault again and again, and "one in five" would be a storm for some.
 */
export function oneRequestIn(n: number, fault: Fault): FaultRule {
  const faulted = new Set<string>();
  let firstTries = 0;
  return {
    fault,
    match: (request) => {
      const key = JSON.stringify([request.method, request.path, request.query, request.rawHeaders ?? []]);
      if (faulted.delete(key)) return false;
      if (++firstTries % n !== 0) return false;
      faulted.add(key);
      return true;
    },
  };
}
