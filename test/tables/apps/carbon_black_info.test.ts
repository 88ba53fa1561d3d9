// carbon_black_info: a fixture sensor tree (id file, settings, queue files)
// checked against independent readings: python's configparser for the INI,
// printf for the hex id, find for the queue sizes; and the binary on a sensor
// tree (or none) mounted over /var/lib in a private mount namespace.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { carbonBlackInfo, parseBoostIni, sensorIdColumns } from "../../../tables/apps/carbon_black_info.ts";
import { queryInMountNamespace } from "../../helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "osq-cb-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sh = (cmd: string) => Bun.spawnSync(["sh", "-c", cmd]).stdout.toString().trim();

function tree(name: string, files: Record<string, string | number>): string {
  const root = join(tmp, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), typeof content === "number" ? Buffer.alloc(content, 0x41) : content);
  }
  return root;
}

const SETTINGS = `; Carbon Black sensor settings
[CB]
SensorBackendServer=https%3A//cb.example.com%3A443
ConfigName=Default%20Group
CollectStoreFiles = 1
CollectModuleLoads=1
CollectModuleInfo=0
CollectFileMods=1
CollectRegMods=0
CollectNetConns=1
CollectProcesses=1
CollectCrossProcess=0
# CollectEmetEvents is missing: osquery reads -1
SensorExeName=cbdaemon

[Logging]
LogLevel=3
`;

/** The [CB] keys as python's configparser reads them (case kept, no interpolation). */
function configparser(path: string): Record<string, string> {
  const py = `import configparser,json,sys\nc=configparser.ConfigParser(interpolation=None,comment_prefixes=(';','#'))\nc.optionxform=str\nc.read(sys.argv[1])\nprint(json.dumps(dict(c['CB'])))`;
  return JSON.parse(Bun.spawnSync(["python3", "-c", py, path]).stdout.toString()) as Record<string, string>;
}

describe("carbon_black_info", () => {
  test("fixture sensor: id, settings and queue sizes", () => {
    const root = tree("sensor", {
      "var/lib/cb/sensor.id": "0x000000000001a2",
      "var/lib/cb/sensorsettings.ini": SETTINGS,
      "var/lib/cb/store/filedata": 1500,
      "var/lib/cb/store/metadata": 300,
      "var/lib/cb/store/0001/filedata": 20,
      "var/lib/cb/events/events.0001": 4096,
      "var/lib/cb/events/events": 10,
      "var/lib/cb/events/events.tmp.1": 999, // stem "events.tmp": not counted
      "var/lib/cb/logs/cb.log": 777,
    });
    // 16 bytes exactly: sensor.id above is 16 characters without a newline.
    expect(sh(`wc -c < '${root}/var/lib/cb/sensor.id'`)).toBe("16");
    const row = carbonBlackInfo(root);
    const ini = configparser(join(root, "var/lib/cb/sensorsettings.ini"));
    expect(row.sensor_id).toBe(Number(sh(`printf '%d' 0x$(tail -c 5 '${root}/var/lib/cb/sensor.id')`)));
    expect(row.config_name).toBe(ini.ConfigName!.replaceAll("%20", " "));
    expect(row.sensor_backend_server).toBe(ini.SensorBackendServer!.replaceAll("%3A", ":"));
    expect(row.collect_store_files).toBe(ini.CollectStoreFiles!);
    expect(row.collect_net_conns).toBe(ini.CollectNetConns!);
    expect(row.collect_cross_processes).toBe(ini.CollectCrossProcess!);
    expect(row.collect_emet_events).toBe("-1");
    // osquery's Linux code overwrites collect_processes with 0.
    expect(row.collect_processes).toBe(0);
    expect(row.sensor_ip_addr).toBe("");
    const sum = (expr: string) => Number(sh(`find '${root}/var/lib/cb' -type f \\( ${expr} \\) -printf '%s\\n' | awk '{s+=$1} END {print s+0}'`));
    expect(row.binary_queue).toBe(sum("-name filedata -o -name metadata"));
    expect(row.event_queue).toBe(sum("-name events -o -name 'events.*' ! -name 'events.*.*'"));
    expect(row.binary_queue).toBe(1820);
  });

  test("id file of another length, malformed settings", () => {
    expect(sensorIdColumns("0x000000000001a2\n")).toEqual({});
    expect(sensorIdColumns("abcdefghijk00ff3")).toEqual({ sensor_id: 0xff3 });
    expect(sensorIdColumns("abcdefghijkzzzzz")).toEqual({ sensor_id: 0 });
    expect(parseBoostIni("[CB]\nA=1\nA=2\n")).toBeNull();
    expect(parseBoostIni("[CB]\nno equals sign\n")).toBeNull();
    expect(parseBoostIni("[CB\nA=1\n")).toBeNull();
    expect(parseBoostIni("[CB]\nA=1\n[CB]\nB=2\n")).toBeNull();
    const root = tree("broken", { "var/lib/cb/sensorsettings.ini": "[CB]\nConfigName=x\nConfigName=y\n" });
    const row = carbonBlackInfo(root);
    expect(row).toEqual({ binary_queue: 0, event_queue: 0 });
  });

  test("e2e: a sensor tree on a tmpfs /var/lib in a private namespace, through both names", () => {
    const script = [
      "mount -t tmpfs osq-test /var/lib",
      "mkdir -p /var/lib/cb/store",
      "printf '%s' 0123456789a00ff3 > /var/lib/cb/sensor.id",
      "printf '%s\\n' '[CB]' 'ConfigName=My%20Config' 'CollectStoreFiles=1' 'SensorBackendServer=https%3A//cb.example' > /var/lib/cb/sensorsettings.ini",
      "head -c 10 /dev/zero > /var/lib/cb/store/filedata",
      "head -c 7 /dev/zero > /var/lib/cb/events.1",
    ].join("\n");
    const sql = "select sensor_id, config_name, collect_store_files, collect_module_loads, sensor_backend_server, binary_queue, event_queue from cb_info";
    expect(queryInMountNamespace(script, sql)).toEqual([
      { sensor_id: "4083", config_name: "My Config", collect_store_files: "1", collect_module_loads: "-1", sensor_backend_server: "https://cb.example", binary_queue: "10", event_queue: "7" },
    ]);
    expect(queryInMountNamespace("mount -t tmpfs osq-test /var/lib", "select sensor_id, config_name, binary_queue, event_queue from carbon_black_info")).toEqual([
      { sensor_id: "", config_name: "", binary_queue: "0", event_queue: "0" },
    ]);
  });
});
