import { describe, expect, it } from "vitest";
import { namedNetworkFailure, TLS_INSPECTION_HINT } from "../../src/http/network-failure.js";

/** A failed request named as what failed: the office's proxy, or a certificate a proxy re-signed (error chains as undici gives them). */

const POSTMARK = { code: "postmark", name: "Postmark" };
const URL_ = new URL("https://api.postmarkapp.com/servers");
const PROXY = { httpsProxy: "http://jane:s3cret@proxy.example:8080/" };
const failed = (...chain: object[]) => chain.reduceRight<unknown>((cause, error) => ({ ...error, cause }), undefined);

describe("namedNetworkFailure", () => {
  it.each([
    "SELF_SIGNED_CERT_IN_CHAIN",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  ])("%s, with or without a proxy: a TLS-inspecting proxy, both remedies", (code) => {
    for (const proxy of [undefined, PROXY]) {
      const named = namedNetworkFailure(failed({ message: "fetch failed" }, { code, message: "x" }), URL_, POSTMARK, proxy);
      expect(named).toMatchObject({
        code: "tls_untrusted",
        message: `The certificate api.postmarkapp.com presented is not one Node trusts (${code}), so nothing was sent to Postmark.`,
        hint: TLS_INSPECTION_HINT,
      });
    }
  });

  it("another certificate error, or any failure without a proxy, keeps the caller's words", () => {
    expect(namedNetworkFailure(failed({ code: "CERT_HAS_EXPIRED" }), URL_, POSTMARK, PROXY)).toBeUndefined();
    expect(namedNetworkFailure(failed({ code: "ECONNREFUSED", port: 443 }), URL_, POSTMARK, undefined)).toBeUndefined();
    expect(namedNetworkFailure(new Error("boom"), URL_, POSTMARK, PROXY)).toBeUndefined();
    expect(namedNetworkFailure("not an error", URL_, POSTMARK, PROXY)).toBeUndefined();
  });

  it("a 407 at the tunnel: the proxy wants a login, its password masked, and where the login goes", () => {
    const named = namedNetworkFailure(
      failed(
        { message: "fetch failed" },
        { message: "Request was cancelled." },
        { message: "Proxy response (407) !== 200 when HTTP Tunneling" },
      ),
      URL_,
      POSTMARK,
      PROXY,
    );
    expect(named).toMatchObject({
      code: "proxy_auth_required",
      message: "The proxy http://jane:••••@proxy.example:8080 wants a login (407) before it connects to api.postmarkapp.com.",
    });
    expect(named!.hint).toBe(
      "Put your proxy login in HTTPS_PROXY, before the proxy's host: user name, a colon, password, then @ " +
        "(percent-encode any @ : / in the password).",
    );
    expect(`${named!.message} ${named!.hint}`).not.toContain("s3cret");
  });

  it("another answer at the tunnel: the proxy refused the host, with the host and port to allow", () => {
    const named = namedNetworkFailure(failed({ message: "Proxy response (403) !== 200 when HTTP Tunneling" }), URL_, POSTMARK, PROXY);
    expect(named).toMatchObject({
      code: "proxy_refused",
      message: "The proxy http://jane:••••@proxy.example:8080 refused to connect to api.postmarkapp.com (it answered 403).",
    });
    expect(named!.hint).toBe(
      "Ask your IT team to allow api.postmarkapp.com on port 443 through the proxy, or add it to NO_PROXY if it is reachable directly.",
    );
  });

  it("a proxy that cannot be reached, by its host or its port: named as the proxy", () => {
    for (const cause of [
      { code: "ENOTFOUND", hostname: "proxy.example" },
      { code: "ECONNREFUSED", address: "10.0.0.1", port: 8080 },
      { code: "ETIMEDOUT", port: 8080 },
    ]) {
      expect(namedNetworkFailure(failed({ message: "fetch failed" }, cause), URL_, POSTMARK, PROXY)).toMatchObject({
        code: "proxy_unreachable",
        hint: "Check HTTPS_PROXY (and NO_PROXY for hosts that go direct) against your network's proxy settings.",
        message:
          `Could not reach the proxy http://jane:••••@proxy.example:8080 (${cause.code}) that HTTPS_PROXY names, so nothing ` +
          `reached Postmark.`,
      });
    }
    // Another host's failure, or one NO_PROXY sent direct, is not the proxy's.
    expect(namedNetworkFailure(failed({ code: "ECONNREFUSED", port: 443 }), URL_, POSTMARK, PROXY)).toBeUndefined();
    expect(
      namedNetworkFailure(failed({ code: "ENOTFOUND", hostname: "proxy.example" }), URL_, POSTMARK, {
        ...PROXY,
        noProxy: ".postmarkapp.com",
      }),
    ).toBeUndefined();
    expect(namedNetworkFailure(failed({ code: "EPIPE", port: 8080 }), URL_, POSTMARK, PROXY)).toBeUndefined();
  });

  it("looks eight causes deep, and stops at a cause that points back at itself", () => {
    const deep = failed(...Array.from({ length: 7 }, () => ({ message: "wrapped" })), { message: "Proxy response (407) !== 200" });
    expect(namedNetworkFailure(deep, URL_, POSTMARK, PROXY)).toMatchObject({ code: "proxy_auth_required" });
    const deeper = failed(...Array.from({ length: 8 }, () => ({ message: "wrapped" })), { message: "Proxy response (407) !== 200" });
    expect(namedNetworkFailure(deeper, URL_, POSTMARK, PROXY)).toBeUndefined();
    const loop: { message: string; cause?: unknown } = { message: "loop" };
    loop.cause = loop;
    expect(namedNetworkFailure(loop, URL_, POSTMARK, PROXY)).toBeUndefined();
    expect(namedNetworkFailure(failed({ code: 0, message: undefined }), URL_, POSTMARK, PROXY)).toBeUndefined();
  });

  it("a proxy without a port is reached on its scheme's", () => {
    const https = { httpsProxy: "https://proxy.example/" };
    expect(namedNetworkFailure(failed({ code: "ECONNREFUSED", port: 443 }), URL_, POSTMARK, https)).toMatchObject({
      code: "proxy_unreachable",
    });
    const http = { httpsProxy: "http://proxy.example/" };
    expect(namedNetworkFailure(failed({ code: "ECONNREFUSED", port: 80 }), URL_, POSTMARK, http)).toMatchObject({
      code: "proxy_unreachable",
    });
  });
});
