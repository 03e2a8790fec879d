import { X509Certificate, createPrivateKey } from "node:crypto";
import { connect, createServer } from "node:tls";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { makeCertificate } from "../../src/sandbox/certificate.js";

// The sandbox's certificate is hand-written DER: node's own parser and TLS stack are the judges.
describe("the sandbox's self-signed certificate", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  const { key, cert } = makeCertificate(undefined, now);
  const parsed = new X509Certificate(cert);

  it("names the loopback hosts and Postmark's SMTP hosts, and 127.0.0.1", () => {
    expect(parsed.subject).toBe("CN=localhost");
    expect(parsed.issuer).toBe("CN=localhost");
    expect(parsed.subjectAltName).toBe(
      "DNS:localhost, DNS:smtp.postmarkapp.com, DNS:smtp-broadcasts.postmarkapp.com, IP Address:127.0.0.1",
    );
    expect(parsed.checkHost("smtp.postmarkapp.com")).toBe("smtp.postmarkapp.com");
    expect(parsed.checkHost("smtp-broadcasts.postmarkapp.com")).toBe("smtp-broadcasts.postmarkapp.com");
    expect(parsed.checkHost("example.com")).toBeUndefined();
    expect(parsed.checkIP("127.0.0.1")).toBe("127.0.0.1");
  });

  it("is valid from a minute before it was made, for two days", () => {
    expect(new Date(parsed.validFrom).toISOString()).toBe("2026-11-29T11:59:00.000Z");
    expect(new Date(parsed.validTo).toISOString()).toBe("2026-12-01T11:59:00.000Z");
  });

  it("is its own CA for server authentication, signed by its own P-256 key", () => {
    expect(parsed.ca).toBe(true);
    expect(parsed.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // node lists the extended key usage: serverAuth
    expect(parsed.verify(parsed.publicKey)).toBe(true);
    expect(parsed.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(parsed.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: "prime256v1" });
    expect(parsed.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
  });

  it("differs on each run: a fresh key and serial", () => {
    const other = new X509Certificate(makeCertificate(undefined, now).cert);
    expect(other.serialNumber).not.toBe(parsed.serialNumber);
    expect(other.publicKey.export({ type: "spki", format: "der" })).not.toEqual(parsed.publicKey.export({ type: "spki", format: "der" }));
  });

  it("completes a verified TLS handshake by name when trusted as the only CA, and is refused when not", async () => {
    const live = makeCertificate();
    const server = createServer({ key: live.key, cert: live.cert }, (socket) => socket.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const handshake = (ca: string | undefined, servername: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port, servername, ...(ca ? { ca: [ca] } : {}) }, () => {
          resolve(socket.authorized ? "authorized" : String(socket.authorizationError));
          socket.destroy();
        });
        socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
    try {
      expect(await handshake(live.cert, "smtp.postmarkapp.com")).toBe("authorized");
      expect(await handshake(live.cert, "example.com")).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
      expect(await handshake(undefined, "smtp.postmarkapp.com")).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
      // Another run's certificate (same names) does not vouch for this one.
      expect(await handshake(cert, "smtp.postmarkapp.com")).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    } finally {
      server.close();
    }
  });
});
