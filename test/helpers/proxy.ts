import { createServer, type IncomingMessage } from "node:http";
import { connect, createServer as createTcpServer, type AddressInfo, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { Certificate } from "../../src/sandbox/certificate.js";

/**
 * An office's proxy on 127.0.0.1: it answers CONNECT for the host names it alone can resolve (each
 * mapped to a loopback port), asks for a login when given one (407 otherwise), and records what it
 * was asked. A run that ignores the proxy cannot reach those names, so it cannot pass by accident.
 */

export interface TestProxy {
  url: string;
  port: number;
  /** Each CONNECT as asked: `host:port`, and the Proxy-Authorization header it carried. */
  connects: Array<{ target: string; authorization?: string }>;
  close(): Promise<void>;
}

export async function startProxy(routes: Record<string, number>, login?: { user: string; password: string }): Promise<TestProxy> {
  const connects: TestProxy["connects"] = [];
  const sockets = new Set<Socket>();
  const expected = login ? `Basic ${Buffer.from(`${login.user}:${login.password}`).toString("base64")}` : undefined;
  const server = createServer();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("connect", (request: IncomingMessage, client: Socket, head: Buffer) => {
    const target = request.url ?? "";
    connects.push({ target, authorization: request.headers["proxy-authorization"] });
    if (expected && request.headers["proxy-authorization"] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="office"\r\n\r\n');
      return;
    }
    const port = routes[target.replace(/:\d+$/, "")];
    if (port === undefined) {
      client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      return;
    }
    const upstream = connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await listen(server);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    close: () => closeAll(server, sockets),
  };
}

/** TLS in front of a plain-HTTP simulator, with a certificate made for the run: the simulator as an HTTPS host. */
export async function startTlsFront(certificate: Certificate, httpPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTlsServer({ key: certificate.key, cert: certificate.cert }, (secure) => {
    const plain = connect(httpPort, "127.0.0.1");
    for (const socket of [secure, plain]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    secure.pipe(plain).pipe(secure);
  });
  await listen(server);
  return { port: (server.address() as AddressInfo).port, close: () => closeAll(server, sockets) };
}

/** A port nothing listens on: a proxy that cannot be reached. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
}

function closeAll(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}
