// The sweep: `SELECT * FROM t` for every registered table without required
// columns finishes without error on this machine, through the compiled binary,
// and has rows unless this machine lacks the data (a check of the data's own
// source, below, written without osq's code).
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { builtinTables } from "../../tables/index.ts";
import { OSQUERYI } from "../helpers.ts";

const sweepable = builtinTables.filter((t) => !t.columns.some((c) => c.required));

test("at least 80 tables are registered", () => {
  expect(builtinTables.length).toBeGreaterThanOrEqual(80);
});

test.each(sweepable.map((t) => t.name))("select * from %s", async (name) => {
  const proc = Bun.spawn([OSQUERYI, "--json", `select * from ${name}`], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  // Only osquery's warnings may appear (per-user tables without a uid say so).
  for (const line of err.split("\n").filter(Boolean)) expect(line).toMatch(/^W\d{4} [\d:.]+ +\d+ \S+:\d+\] /);
  expect(code).toBe(0);
  const rows: unknown = JSON.parse(out);
  expect(Array.isArray(rows)).toBe(true);
  if ((rows as unknown[]).length === 0) {
    const absent = ABSENT[name];
    if (!absent) throw new Error(`${name} returned no rows, and nothing says this machine lacks its data`);
    const why = absent();
    if (why === null) throw new Error(`${name} returned no rows although this machine has its data`);
  }
});

/** Non-empty contents of a file, or "" when it is missing or unreadable. */
function text(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}
const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
const nonEmptyFile = (path: string) => existsSync(path) && statSync(path).size > 0;
const home = text("/etc/passwd").split("\n").map((l) => l.split(":")).find((f) => f[2] === String(process.getuid?.()))?.[5] ?? "/";
const inHome = (...rel: string[]) => rel.some((r) => existsSync(join(home, r)));
const keyLines = (path: string) => text(path).split("\n").some((l) => l.trim() !== "" && !l.trim().startsWith("#"));
/** Whether some directory matching parent/<any>/child has an entry (an installed extension). */
const anyUnder = (parent: string, child: string) => entries(join(home, parent)).some((d) => entries(join(home, parent, d, child)).length > 0);
const dmi = () => existsSync("/sys/firmware/dmi/tables/DMI");
const dmiVendor = () => ["sys_vendor", "bios_vendor", "board_vendor", "chassis_asset_tag", "product_name"].map((f) => text(`/sys/class/dmi/id/${f}`)).join(" ");
/** A reason when `lacks` holds, else null: the table must have had rows. */
const unless = (lacks: boolean, reason: string) => () => (lacks ? reason : null);

/**
 * For each table that may be empty: whether this machine lacks its data,
 * judged from the data's source (a reason string), or null when the data is
 * there and the table must have rows.
 */
const ABSENT: Record<string, () => string | null> = {
  // The shell loads no config in the sweep, so there is no schedule or pack.
  osquery_packs: () => "no config",
  osquery_schedule: () => "no config",
  // A shell runs no publishers (osqueryi's --disable_events defaults to true): nothing is stored.
  file_events: () => "events are off in the shell",
  hardware_events: () => "events are off in the shell",
  apparmor_events: () => "events are off in the shell",
  process_events: () => "events are off in the shell",
  process_file_events: () => "events are off in the shell",
  seccomp_events: () => "events are off in the shell",
  selinux_events: () => "events are off in the shell",
  socket_events: () => "events are off in the shell",
  syslog_events: () => "events are off in the shell",
  user_events: () => "events are off in the shell",
  yara_events: () => "events are off in the shell",
  // osquery asks the running systemd manager over D-Bus: no manager (not PID 1, no system bus), no units.
  systemd_units: () => {
    let bus = false;
    try {
      bus = statSync("/var/run/dbus/system_bus_socket").isSocket();
    } catch {
      bus = false; // no socket file: no system bus
    }
    return unless(!bus || !existsSync("/run/systemd/system"), "no systemd manager on the system bus")();
  },
  // The shell's carve records live in its ephemeral database, and the sweep requests none.
  carves: () => "no carve requested",
  kernel_modules: () => unless(text("/proc/modules") === "", "no loadable modules")(),
  shared_memory: () => unless(text("/proc/sysvipc/shm").split("\n").length < 2, "no SysV segments")(),
  apparmor_profiles: () => unless(text("/sys/kernel/security/apparmor/profiles") === "", "no AppArmor")(),
  selinux_settings: () => unless(!existsSync("/sys/fs/selinux/enforce"), "no SELinux")(),
  secureboot: () => unless(!existsSync("/sys/firmware/efi/efivars"), "no EFI variables")(),
  secureboot_certificates: () => unless(!existsSync("/sys/firmware/efi/efivars"), "no EFI variables")(),
  md_devices: () => unless(!/^md\d+ :/m.test(text("/proc/mdstat")), "no md arrays")(),
  md_drives: () => unless(!/^md\d+ :/m.test(text("/proc/mdstat")), "no md arrays")(),
  md_personalities: () => unless(!/^Personalities : \[/.test(text("/proc/mdstat")), "no md personalities")(),
  iptables: () => unless(process.getuid?.() !== 0 || text("/proc/net/ip_tables_names") === "", "no legacy netfilter tables")(),
  logged_in_users: () => unless(!nonEmptyFile("/var/run/utmp"), "empty utmp")(),
  last: () => unless(!nonEmptyFile("/var/log/wtmp"), "empty wtmp")(),
  authorized_keys: () => unless(![".ssh/authorized_keys", ".ssh/authorized_keys2"].some((f) => keyLines(join(home, f))), "no authorized_keys")(),
  user_ssh_keys: () => unless(!entries(join(home, ".ssh")).some((f) => /^id_/.test(f) && !f.endsWith(".pub")), "no private keys")(),
  known_hosts: () => unless(!keyLines(join(home, ".ssh/known_hosts")), "no known_hosts")(),
  sudoers: () => unless(text("/etc/sudoers") === "", "no sudoers")(),
  shell_history: () => unless(![".bash_history", ".zsh_history", ".zhistory", ".history", ".sh_history"].some((f) => nonEmptyFile(join(home, f))), "no shell history")(),
  rpm_packages: () => unless(!existsSync("/var/lib/rpm") || entries("/var/lib/rpm").length === 0, "no rpm database")(),
  rpm_package_files: () => unless(!existsSync("/var/lib/rpm") || entries("/var/lib/rpm").length === 0, "no rpm database")(),
  yum_sources: () => unless(!entries("/etc/yum.repos.d").some((f) => f.endsWith(".repo")) && !existsSync("/etc/yum.conf"), "no yum config")(),
  portage_packages: () => unless(!existsSync("/var/db/pkg"), "no portage database")(),
  portage_keywords: () => unless(!existsSync("/etc/portage/package.keywords") && !existsSync("/etc/portage/package.accept_keywords"), "no portage keywords")(),
  portage_use: () => unless(!existsSync("/var/db/pkg"), "no portage database")(),
  // The SMBIOS tables and the dmidecode comparison: smbios_dmidecode.test.ts.
  cpu_info: () => unless(!dmi(), "no DMI table")(),
  memory_array_mapped_addresses: () => unless(!dmi(), "no DMI table")(),
  memory_arrays: () => unless(!dmi(), "no DMI table")(),
  memory_device_mapped_addresses: () => unless(!dmi(), "no DMI table")(),
  memory_devices: () => unless(!dmi(), "no DMI table")(),
  memory_error_info: () => unless(!dmi(), "no DMI table")(),
  oem_strings: () => unless(!dmi(), "no DMI table")(),
  platform_info: () => unless(!dmi(), "no DMI table")(),
  smbios_tables: () => unless(!dmi(), "no DMI table")(),
  intel_me_info: () => unless(!existsSync("/dev/mei0"), "no Intel ME")(),
  msr: () => unless(!existsSync("/dev/cpu/0/msr"), "no msr driver")(),
  usb_devices: () => unless(entries("/sys/bus/usb/devices").length === 0, "no USB")(),
  // A profile may hold no extension; rows are owed only for installed ones.
  chrome_extension_content_scripts: () => "only extensions with content scripts have rows",
  chrome_extensions: () => unless(![".config/google-chrome", ".config/chromium", ".config/BraveSoftware/Brave-Browser", ".config/microsoft-edge"].some((d) => anyUnder(d, "Extensions")), "no Chromium extension")(),
  firefox_addons: () => unless(!entries(join(home, ".mozilla/firefox")).some((d) => existsSync(join(home, ".mozilla/firefox", d, "extensions.json"))), "no Firefox extensions.json")(),
  jetbrains_plugins: () => "a JetBrains directory may hold no plugin",
  vscode_extensions: () => unless(!existsSync(join(home, ".vscode/extensions/extensions.json")), "no VS Code extensions.json")(),
  // Needs --prometheus_targets, which the sweep does not set.
  prometheus_metrics: () => "no targets",
  docker_info: unless(!existsSync("/var/run/docker.sock"), "no Docker engine"),
  docker_version: unless(!existsSync("/var/run/docker.sock"), "no Docker engine"),
  // An engine may hold no container, image, network or volume.
  ...Object.fromEntries(
    ["docker_container_envs", "docker_container_labels", "docker_container_mounts", "docker_container_networks", "docker_container_ports", "docker_containers",
      "docker_image_history", "docker_image_labels", "docker_image_layers", "docker_images", "docker_network_labels", "docker_networks",
      "docker_volume_labels", "docker_volumes"].map((t) => [t, () => "the engine may hold none"]),
  ),
  lxd_cluster: unless(!existsSync("/var/lib/lxd/unix.socket"), "no LXD"),
  ...Object.fromEntries(
    ["lxd_certificates", "lxd_cluster_members", "lxd_images", "lxd_instances", "lxd_networks", "lxd_storage_pools"].map((t) => [t, () => "LXD may hold none"]),
  ),
  // Cloud metadata exists only on the cloud named by the machine's DMI strings.
  azure_instance_metadata: () => unless(!/Microsoft Corporation/.test(dmiVendor()), "not on Azure")(),
  azure_instance_tags: () => "an instance may have no tags",
  ec2_instance_metadata: () => unless(!/Amazon|EC2/i.test(dmiVendor()), "not on EC2")(),
  ec2_instance_tags: () => "tags need credentials and may be none",
  ycloud_instance_metadata: () => unless(!/Yandex/.test(dmiVendor()), "not on Yandex Cloud")(),
};
