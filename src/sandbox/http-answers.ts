import type { IncomingMessage, ServerResponse } from "node:http";

/** What both simulators need of node:http: a JSON answer, and a request's whole body. */

export function sendJson(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): number {
  response.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
  response.end(JSON.stringify(payload));
  return status;
}

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", () => resolve(""));
  });
}
