/**
 * A throwaway certificate for a loopback SMTP server, made fresh for each run and trusted only by that
 * run. Written with node:crypto and a few lines of DER rather than a certificate library: the sandbox
 * is the only user, and the library it replaced was half of what `npx cio-postmark` downloaded.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";

export interface Certificate {
  key: string;
  cert: string;
}

const CERTIFICATE_HOSTS = ["localhost", "smtp.postmarkapp.com", "smtp-broadcasts.postmarkapp.com"];
const VALID_FOR_MS = 2 * 24 * 3600 * 1000;

export function makeCertificate(hosts: string[] = CERTIFICATE_HOSTS, now = new Date()): Certificate {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  // A minute back, so a clock a little behind the server's still accepts it.
  const notBefore = new Date(now.getTime() - 60_000);
  const name = sequence(set(sequence(oid("2.5.4.3"), utf8(hosts[0]!))));
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // version 3
    integer(serialNumber()),
    ECDSA_WITH_SHA256,
    name, // issuer: it signs itself
    sequence(utcTime(notBefore), utcTime(new Date(notBefore.getTime() + VALID_FOR_MS))),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    explicit(3, sequence(...extensions(hosts))),
  );
  const signature = sign("sha256", tbs, privateKey);
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
  return {
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    cert: pem("CERTIFICATE", der),
  };
}

function extensions(hosts: string[]): Buffer[] {
  const altNames = [...hosts.map((host) => tagged(0x82, Buffer.from(host, "ascii"))), tagged(0x87, Buffer.from([127, 0, 0, 1]))];
  return [
    // Its own CA: the client trusts exactly this certificate, and nothing it could sign is used.
    extension("2.5.29.19", true, sequence(boolean(true))), // basicConstraints cA
    extension("2.5.29.15", true, tagged(0x03, Buffer.from([2, 0x84]))), // keyUsage: digitalSignature, keyCertSign
    extension("2.5.29.37", false, sequence(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage: serverAuth
    extension("2.5.29.17", false, sequence(...altNames)), // subjectAltName: DNS names and 127.0.0.1
  ];
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), tagged(0x04, value));
}

/** 16 random bytes, positive (top bit clear) and never starting with a zero byte DER would forbid. */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes;
}

// --- DER, as much as a certificate needs ---

function tagged(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const sequence = (...items: Buffer[]) => tagged(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tagged(0x31, Buffer.concat(items));
const explicit = (index: number, content: Buffer) => tagged(0xa0 | index, content);
const integer = (bytes: Buffer) => tagged(0x02, bytes);
const boolean = (value: boolean) => tagged(0x01, Buffer.from([value ? 0xff : 0]));
const utf8 = (text: string) => tagged(0x0c, Buffer.from(text, "utf8"));
/** A BIT STRING of whole bytes (no unused bits). */
const bitString = (bytes: Buffer) => tagged(0x03, Buffer.concat([Buffer.from([0]), bytes]));

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes = [first! * 40 + second!];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let high = arc >> 7; high > 0; high >>= 7) base128.unshift((high & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tagged(0x06, Buffer.from(bytes));
}

/** UTCTime, YYMMDDHHMMSSZ: valid for dates before 2050, which a two-day certificate is. */
function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
  return tagged(0x17, Buffer.from(text, "ascii"));
}

const ECDSA_WITH_SHA256 = sequence(oid("1.2.840.10045.4.3.2"));

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g)!;
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
