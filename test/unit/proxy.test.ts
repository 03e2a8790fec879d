import { describe, expect, it } from "vitest";
import { proxyFromEnv, proxySecrets, routeOf, smtpProxyFrom } from "../../src/http/proxy.js";

/** The proxy variables as curl reads them, and the one routing decision requests and doctor share. */

const where = (env: NodeJS.ProcessEnv, url: string) => {
  const route = routeOf(proxyFromEnv(env), new URL(url));
  return "direct" in route ? `direct: ${route.direct}` : `${route.proxy.href} (${route.variable})`;
};

describe("proxy variables", () => {
  it("none set: every request goes direct", () => {
    expect(proxyFromEnv({})).toBeUndefined();
    expect(where({}, "https://api.postmarkapp.com")).toBe("direct: no proxy is set");
  });

  it("the lower-case name wins over the upper-case one, and blank counts as unset", () => {
    expect(where({ https_proxy: "http://lower:1", HTTPS_PROXY: "http://upper:2" }, "https://a.example")).toBe(
      "http://lower:1/ (HTTPS_PROXY)",
    );
    expect(where({ https_proxy: "  ", HTTPS_PROXY: "http://upper:2" }, "https://a.example")).toBe("http://upper:2/ (HTTPS_PROXY)");
  });

  it("the settings as read: each proxy checked and written as a URL, NO_PROXY only where set, lower-case names first", () => {
    expect(proxyFromEnv({ http_proxy: "plain:3128", HTTP_PROXY: "http://upper:1" })).toEqual({ httpProxy: "http://plain:3128/" });
    expect(proxyFromEnv({ HTTPS_PROXY: "http://p:1", no_proxy: "a.example", NO_PROXY: "b.example" })).toEqual({
      httpsProxy: "http://p:1/",
      noProxy: "a.example",
    });
    expect(() => proxyFromEnv({ HTTP_PROXY: "ftp://p:1" })).toThrow(
      expect.objectContaining({ message: expect.stringContaining("in HTTP_PROXY") }),
    );
    expect(where({}, "http://127.0.0.1:8080")).toBe("direct: no proxy is set");
  });

  it("each scheme takes its own variable, never the other's", () => {
    expect(where({ HTTP_PROXY: "http://plain:3128" }, "https://a.example")).toBe("direct: no HTTPS_PROXY is set");
    expect(where({ HTTP_PROXY: "http://plain:3128" }, "http://a.example")).toBe("http://plain:3128/ (HTTP_PROXY)");
    expect(where({ HTTPS_PROXY: "http://secure:3128" }, "http://a.example")).toBe("direct: no HTTP_PROXY is set");
  });

  it("host:port alone means http://", () => {
    expect(where({ HTTPS_PROXY: "proxy.example:8080" }, "https://a.example")).toBe("http://proxy.example:8080/ (HTTPS_PROXY)");
  });

  it.each([
    ["api.postmarkapp.com", true],
    ["API.postmarkapp.com", true],
    [".postmarkapp.com", true],
    ["*.postmarkapp.com", true],
    ["postmarkapp.com", false],
    ["api.postmarkapp.com:443", true],
    ["api.postmarkapp.com:8443", false],
    ["other.example, api.postmarkapp.com", true],
    ["other.example api.postmarkapp.com", true],
    ["*", true],
    ["other.example", false],
  ])("NO_PROXY=%j sends https://api.postmarkapp.com direct: %s", (noProxy, direct) => {
    const route = where({ HTTPS_PROXY: "http://proxy:1", NO_PROXY: noProxy }, "https://api.postmarkapp.com");
    expect(route).toBe(direct ? "direct: NO_PROXY names it" : "http://proxy:1/ (HTTPS_PROXY)");
  });

  it("NO_PROXY ports are the URL's, or its scheme's default; a list may end in a comma", () => {
    const env = { HTTP_PROXY: "http://proxy:1", HTTPS_PROXY: "https://proxy:2" };
    expect(where({ ...env, NO_PROXY: "api.example:80," }, "http://api.example/")).toBe("direct: NO_PROXY names it");
    expect(where({ ...env, NO_PROXY: "api.example:80" }, "https://api.example/")).toBe("https://proxy:2/ (HTTPS_PROXY)");
    expect(where({ ...env, NO_PROXY: "api.example:8080" }, "http://api.example:8080/")).toBe("direct: NO_PROXY names it");
    expect(where({ ...env, NO_PROXY: "a.example,*" }, "https://b.example/")).toBe("direct: NO_PROXY names it");
  });

  it("a proxy that is not an http(s) URL is a usage error naming its variable, its password masked", () => {
    expect(() => proxyFromEnv({ HTTPS_PROXY: "socks5://jane:hunter22@proxy:1080" })).toThrow(
      expect.objectContaining({ code: "proxy_invalid", exitCode: 2, message: expect.stringContaining("in HTTPS_PROXY") }),
    );
    try {
      proxyFromEnv({ HTTPS_PROXY: "socks5://jane:hunter22@proxy:1080" });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("hunter22");
    }
  });

  it("the login's secrets: the password as written and decoded, and user:password (the Basic header's content)", () => {
    expect(proxySecrets(["http://jane:p%40ss@proxy:1", undefined, "http://proxy:2"])).toEqual(["p%40ss", "p@ss", "jane:p@ss"]);
  });

  it("SMTP: the flag trimmed, ALL_PROXY in either case, each named in its error", () => {
    expect(smtpProxyFrom("  https://flag:1  ", {})).toBe("https://flag:1/");
    expect(smtpProxyFrom(undefined, { ALL_PROXY: "HTTP://env:2" })).toBe("http://env:2/");
    expect(smtpProxyFrom(undefined, {})).toBeUndefined();
    expect(() => smtpProxyFrom("socks5://x:1", {})).toThrow(
      expect.objectContaining({ message: expect.stringContaining("in --smtp-proxy") }),
    );
    expect(() => smtpProxyFrom(undefined, { ALL_PROXY: "http://[bad" })).toThrow(
      expect.objectContaining({ message: expect.stringContaining("in ALL_PROXY") }),
    );
  });

  it("SMTP: --smtp-proxy first, else an http ALL_PROXY; a socks ALL_PROXY is left alone", () => {
    expect(smtpProxyFrom("http://flag:1", { ALL_PROXY: "http://env:2" })).toBe("http://flag:1/");
    expect(smtpProxyFrom(undefined, { all_proxy: "http://env:2" })).toBe("http://env:2/");
    expect(smtpProxyFrom(undefined, { ALL_PROXY: "socks5://env:1080" })).toBeUndefined();
    expect(() => smtpProxyFrom("socks5://x:1", {})).toThrow(expect.objectContaining({ code: "proxy_invalid" }));
  });
});
