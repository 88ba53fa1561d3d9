// apt_sources and yum_sources: fixture roots with both source formats, and
// this host's apt configuration checked against `apt-get indextargets`.
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { aptSourcesFrom, parseAptSourceLine, parseDeb822Block } from "../../../src/linux/apt.ts";
import { parseIni, yumSourcesFrom } from "../../../src/linux/yum.ts";
import aptSources from "../../../tables/packages/apt_sources.ts";
import yumSources from "../../../tables/packages/yum_sources.ts";
import { generate, OSQUERYI, query } from "../../helpers.ts";
import { inMountNamespace, overlay, sh } from "../../mount_namespace.ts";
import { tool } from "../../tools.ts";

const root = mkdtempSync(join(tmpdir(), "osq-sources-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
function put(rel: string, text: string) {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

const release = (codename: string, version: string) =>
  `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Example\nLabel: Example\nCodename: ${codename}\nVersion: ${version}\nDate: Sat, 01 Jun 2024 10:00:00 UTC\nArchitectures: amd64 arm64\nComponents: main contrib\n-----BEGIN PGP SIGNATURE-----\nCodename: forged\n`;

put("etc/apt/sources.list", "# comment\ndeb http://mirror.example/debian/ stable main\ndeb-src http://mirror.example/debian stable main\ndeb [arch=amd64 signed-by=/k.gpg] https://repo.example/apt focal main # trailing\ndeb http://nofetch.example/x sid main\n");
put("etc/apt/sources.list.d/extra.list", "deb http://ppa.example/ubuntu/ jammy/updates main\n");
put("etc/apt/sources.list.d/ignored.list.save", "deb http://mirror.example/debian stable main\n");
put(
  "etc/apt/sources.list.d/new.sources",
  "Types: deb deb-src\nURIs: http://d822.example/debian\nSuites: trixie trixie-updates\nComponents: main\n\nTypes: deb-src\nURIs: http://src.example/debian\nSuites: trixie\n\nTypes: deb\nURIs: http://off.example/debian\nSuites: trixie\nEnabled: no\n",
);
put("var/lib/apt/lists/mirror.example_debian_dists_stable_InRelease", release("bookworm", "12.5"));
put("var/lib/apt/lists/repo.example_apt_dists_focal_Release", release("focal", "20.04"));
put("var/lib/apt/lists/ppa.example_ubuntu_jammy_updates_Release", release("jammy", "22.04"));
put("var/lib/apt/lists/d822.example_debian_dists_trixie_InRelease", release("trixie", "13"));
put("var/lib/apt/lists/src.example_debian_dists_trixie_InRelease", release("trixie", "13"));
put("var/lib/apt/lists/off.example_debian_dists_trixie_InRelease", release("trixie", "13"));

describe("apt source parsing", () => {
  test("one-line sources: options skipped, trailing slashes dropped, deb-src ignored", () => {
    expect(parseAptSourceLine("deb [arch=amd64 trusted=yes] http://a.example/x/ sid main")).toEqual({
      baseUri: "http://a.example/x",
      name: "a.example/x sid",
      cacheParts: ["a.example/x", "dists", "sid"],
    });
    expect(parseAptSourceLine("deb-src http://a.example/x sid main")).toBeNull();
    expect(parseAptSourceLine("deb /local/path sid")).toBeNull();
  });

  test("deb822 stanzas give one source per URI and suite", () => {
    expect(parseDeb822Block("Types: deb\nURIs: http://a/ http://b\nSuites: s1 s2").map((s) => s.name)).toEqual(["a s1", "a s2", "b s1", "b s2"]);
    expect(parseDeb822Block("Types: deb\nURIs: http://a\nSuites: s\nEnabled: no")).toEqual([]);
  });
});

describe("apt_sources", () => {
  test("files the nobody user may not read are skipped, as osquery reads them after dropping to nobody", () => {
    const r2 = mkdtempSync(join(tmpdir(), "osq-sources-nobody-"));
    try {
      chmodSync(r2, 0o755);
      const at = (rel: string, text: string, mode: number) => {
        mkdirSync(dirname(join(r2, rel)), { recursive: true, mode: 0o755 });
        writeFileSync(join(r2, rel), text, { mode });
        chmodSync(join(r2, rel), mode);
      };
      at("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", 0o644);
      at("etc/apt/sources.list", "deb http://open.example/debian stable main\n", 0o644);
      at("etc/apt/sources.list.d/secret.list", "deb https://user:pw@secret.example/apt focal main\n", 0o600);
      at("etc/apt/sources.list.d/nobodys.list", "deb http://mine.example/apt focal main\n", 0o600);
      chownSync(join(r2, "etc/apt/sources.list.d/nobodys.list"), 65534, 65534);
      at("var/lib/apt/lists/open.example_debian_dists_stable_InRelease", release("bookworm", "12"), 0o644);
      at("var/lib/apt/lists/user:pw@secret.example_apt_dists_focal_InRelease", release("focal", "20.04"), 0o644);
      at("var/lib/apt/lists/mine.example_apt_dists_focal_InRelease", release("focal", "20.04"), 0o644);
      // The kernel's own answer, as nobody: setpriv drops to it and test -r asks.
      const setpriv = tool("setpriv", "util-linux");
      const asNobody = (rel: string) =>
        Bun.spawnSync([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "test", "-r", join(r2, rel)]).exitCode === 0;
      expect(["etc/apt/sources.list", "etc/apt/sources.list.d/secret.list", "etc/apt/sources.list.d/nobodys.list"].map(asNobody)).toEqual([true, false, true]);
      expect(aptSourcesFrom(r2).map((r) => `${r.source}|${r.name}`)).toEqual([
        "/etc/apt/sources.list|open.example/debian stable",
        "/etc/apt/sources.list.d/nobodys.list|mine.example/apt focal",
      ]);
    } finally {
      rmSync(r2, { recursive: true, force: true });
    }
  });

  test("a fixture root: only sources apt has fetched, with their Release fields", () => {
    const rows = aptSourcesFrom(root);
    expect(rows.map((r) => `${r.source}|${r.name}|${r.base_uri}|${r.release}|${r.version}`)).toEqual(APT_FIXTURE_ROWS);
    expect(rows[0]).toMatchObject({ maintainer: "Example", components: "main contrib", architectures: "amd64 arm64" });
  });

  test("this host's sources equal the fetched targets `apt-get indextargets` reports", async () => {
    const rows = await generate(aptSources);
    expect(rows.map((x) => hostKey(x)).sort()).toEqual(indextargets());
    // apt-get alone can take seconds on a loaded machine.
  }, 30_000);
});

/** apt-get's own list of fetched sources: entry file, site, suite, codename, version, origin. */
function indextargets(): string[] {
  const r = Bun.spawnSync([tool("apt-get", "apt"), "indextargets", "--format", "$(SOURCESENTRY)|$(SITE)|$(RELEASE)|$(CODENAME)|$(VERSION)|$(ORIGIN)"]);
  return [
    ...new Set(
      r.stdout
        .toString()
        .trim()
        .split("\n")
        .filter((l) => l !== "" && l.split("|")[3] !== "")
        .map((l) => {
          const [entry = "", site, suite, codename, version, origin] = l.split("|");
          return `${entry.replace(/:\d+$/, "")}|${site}|${suite}|${codename}|${version}|${origin}`;
        }),
    ),
  ].sort();
}

const hostKey = (x: Record<string, unknown>) => `${x.source}|${x.base_uri}|${String(x.name).split(" ")[1]}|${x.release}|${x.version}|${x.maintainer}`;

const APT_FIXTURE_ROWS = [
  "/etc/apt/sources.list|mirror.example/debian stable|http://mirror.example/debian|bookworm|12.5",
  "/etc/apt/sources.list|repo.example/apt focal|https://repo.example/apt|focal|20.04",
  "/etc/apt/sources.list.d/extra.list|ppa.example/ubuntu jammy/updates|http://ppa.example/ubuntu|jammy|22.04",
  "/etc/apt/sources.list.d/new.sources|d822.example/debian trixie|http://d822.example/debian|trixie|13",
];

const YUM_FIXTURE_ROWS = [
  { source: "/etc/yum.conf", name: "From yum.conf", baseurl: "http://c.example/", pid_with_namespace: 0 },
  {
    source: "/etc/repos/fedora.repo", name: "Fedora $releasever - $basearch",
    metalink: "https://mirrors.example/metalink?repo=fedora-$releasever&arch=$basearch", enabled: "1", gpgcheck: "1",
    gpgkey: "file:///etc/pki/rpm-gpg/RPM-GPG-KEY-fedora", pid_with_namespace: 0,
  },
  { source: "/etc/repos/fedora.repo", name: "Fedora Debug", mirrorlist: "http://m.example/list", enabled: "0", pid_with_namespace: 0 },
];

describe("yum_sources", () => {
  const yum = join(root, "yum");
  mkdirSync(yum);
  const put2 = (rel: string, text: string) => {
    mkdirSync(dirname(join(yum, rel)), { recursive: true });
    writeFileSync(join(yum, rel), text);
  };
  put2("etc/yum.conf", "[main]\ngpgcheck=1\nreposdir=/etc/repos\n\n[conf-repo]\nname=From yum.conf\nbaseurl=http://c.example/\n");
  put2(
    "etc/repos/fedora.repo",
    "[fedora]\nname=Fedora $releasever - $basearch\nmetalink=https://mirrors.example/metalink?repo=fedora-$releasever&arch=$basearch\nenabled=1\ngpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-fedora\nskip_if_unavailable=False\n\n; comment\n[fedora-debuginfo]\nname = Fedora Debug\nmirrorlist = http://m.example/list\nenabled = 0\n",
  );
  put2("etc/repos/broken.repo", "[a]\nname=A\ngpgkey=http://k1\n  http://k2\n");
  put2("etc/yum.repos.d/unused.repo", "[unused]\nname=not in reposdir\n");

  test("sections other than [main], from yum.conf and the reposdir it names", () => {
    expect(yumSourcesFrom(yum)).toEqual(YUM_FIXTURE_ROWS);
  });

  test("the INI reading agrees with Python's configparser on a valid file", () => {
    const python = tool("python3", "python3");
    const file = join(yum, "etc/repos/fedora.repo");
    const script = "import configparser,sys,json\nc=configparser.ConfigParser(interpolation=None,strict=True)\nc.optionxform=str\nc.read(sys.argv[1])\nprint(json.dumps([[s,list(c[s].items())] for s in c.sections()]))";
    const theirs = JSON.parse(Bun.spawnSync([python, "-c", script, file]).stdout.toString());
    expect(parseIni(readFileSync(file, "utf8"))).toEqual(theirs);
  });

  test("no yum configuration on this host gives no rows", async () => {
    expect(await generate(yumSources)).toEqual([]);
  });
});

describe("end to end (dist/osqueryi)", () => {
  test("this host: the binary's apt sources equal `apt-get indextargets`", () => {
    const rows = query("SELECT source, base_uri, name, release, version, maintainer FROM apt_sources");
    expect(rows.map((x) => hostKey(x)).sort()).toEqual(indextargets());
  });

  test("fixture apt and yum configurations at /etc and /var/lib/apt, inside a private mount namespace", () => {
    const yum = join(root, "yum");
    const [apt, yumOut] = inMountNamespace(
      [
        ...overlay("/etc", join(root, "ov-etc")),
        ...overlay("/var/lib", join(root, "ov-lib")),
        "rm -rf /etc/apt /var/lib/apt/lists /etc/yum.conf /etc/yum.repos.d /etc/repos",
        "mkdir -p /var/lib/apt",
        `cp -a ${sh(join(root, "etc/apt"))} /etc/apt`,
        `cp -a ${sh(join(root, "var/lib/apt/lists"))} /var/lib/apt/lists`,
        `cp -a ${sh(join(yum, "etc/yum.conf"))} ${sh(join(yum, "etc/repos"))} ${sh(join(yum, "etc/yum.repos.d"))} /etc/`,
      ],
      [`${sh(OSQUERYI)} --json 'SELECT source, name, base_uri, release, version FROM apt_sources'`, `${sh(OSQUERYI)} --json 'SELECT * FROM yum_sources'`],
    );
    expect((JSON.parse(apt ?? "") as Record<string, string>[]).map((r) => `${r.source}|${r.name}|${r.base_uri}|${r.release}|${r.version}`)).toEqual(APT_FIXTURE_ROWS);
    // pid_with_namespace is hidden, so SELECT * leaves it out.
    const columns = ["source", "name", "baseurl", "metalink", "mirrorlist", "enabled", "gpgcheck", "gpgkey"];
    const asText = YUM_FIXTURE_ROWS.map((r) => Object.fromEntries(columns.map((c) => [c, String((r as Record<string, unknown>)[c] ?? "")])));
    const got = (JSON.parse(yumOut ?? "") as Record<string, string>[]).map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? ""])));
    expect(got).toEqual(asText);
  });
});
