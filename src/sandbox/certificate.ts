/** A throwaway certificate for a loopback SMTP server, made fresh for each run and trusted only by that run. */
export interface Certificate {
  key: string;
  cert: string;
}

const CERTIFICATE_HOSTS = ["localhost", "smtp.postmarkapp.com", "smtp-broadcasts.postmarkapp.com"];

export async function makeCertificate(hosts: string[] = CERTIFICATE_HOSTS): Promise<Certificate> {
  const { generate } = await import("selfsigned");
  const notBefore = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: "commonName", value: hosts[0]! }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: notBefore,
    notAfterDate: new Date(notBefore.getTime() + 2 * 24 * 3600 * 1000),
    extensions: [
      // Its own CA: the client trusts exactly this certificate and nothing it could sign is used.
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [...hosts.map((value) => ({ type: 2 as const, value })), { type: 7 as const, ip: "127.0.0.1" }],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
