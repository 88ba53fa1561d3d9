// Fleet's Linux detail ("host vitals") queries, as its server sends them
// (fleetdm/fleet server/service/osquery_utils/queries.go; ../shared/osquery/FLEET.md §4).
// A query with a discovery gate runs only when its discovery query returns a row.

const USERS = `WITH cached_groups AS (select * from groups)
 SELECT uid, uuid, username, type, groupname, shell
 FROM users LEFT JOIN cached_groups USING (gid)
 WHERE type <> 'special' AND shell NOT LIKE '%/false' AND shell NOT LIKE '%/nologin' AND shell NOT LIKE '%/shutdown' AND shell NOT LIKE '%/halt' AND username NOT LIKE '%$' AND username NOT LIKE '\\_%' ESCAPE '\\' AND NOT (username = 'sync' AND shell ='/bin/sync' AND directory <> '')`;

const discoveryTable = (name: string) => `SELECT 1 FROM osquery_registry WHERE active = true AND registry = 'table' AND name = '${name}'`;

const DISK_SPACE_CONDITIONS = `WHERE
-- exclude mounts with no space
blocks > 0
AND blocks_size > 0
AND path NOT LIKE '/media%' AND path NOT LIKE '/mnt%'
AND path NOT LIKE '/dev%'
AND path NOT LIKE '/proc%'
AND path NOT LIKE '/sys%'
AND path NOT LIKE '/run%'
AND path NOT LIKE '/var/run%'
AND path NOT LIKE '/boot%'
AND path NOT LIKE '/snap%' AND path NOT LIKE '/var/snap%'
AND path NOT LIKE '/var/lib/docker%'
AND path NOT LIKE '/var/lib/containers%'
AND type IN ('ext4', 'ext3', 'ext2', 'xfs', 'btrfs', 'ntfs', 'vfat', 'fuseblk', --seen on NTFS and exFAT volumes mounted via FUSE
'zfs' --also valid storage
)
AND (device LIKE '/dev/sd%' OR device LIKE '/dev/hd%' OR device LIKE '/dev/vd%' OR device LIKE '/dev/nvme%' OR device LIKE '/dev/mapper%' OR device LIKE '/dev/md%' OR device LIKE '/dev/dm-%')`;

const VERSION_PARTS = `SELECT 1 FROM (
    SELECT
    CAST(SUBSTR(version, 1, INSTR(version, '.') - 1) AS INTEGER) major,
    CAST(SUBSTR(version, INSTR(version, '.') + 1, INSTR(SUBSTR(version, INSTR(version, '.') + 1), '.') - 1) AS INTEGER) minor from osquery_info
) AS version_parts WHERE `;

const SOFTWARE_COLUMNS = (source: string, extra = "") => `'' AS extension_id,
  '' AS extension_for,
  '${source}' AS source,
  '' AS vendor${extra}`;

export interface FleetQuery {
  readonly key: string;
  readonly sql: string;
  readonly discovery?: string;
}

export const FLEET_LINUX_QUERIES: readonly FleetQuery[] = [
  {
    key: "network_interface_unix",
    sql: `SELECT
    ia.address,
    id.mac
FROM
    interface_addresses ia
    JOIN interface_details id ON id.interface = ia.interface
    JOIN routes r ON r.interface = ia.interface
WHERE
    (r.destination = '0.0.0.0' OR r.destination = '::') AND r.netmask = 0
    AND r.type = 'gateway'
    AND (
		inet_aton(ia.address) IS NOT NULL AND (
			split(ia.address, '.', 0) = '10'
			OR (split(ia.address, '.', 0) = '172' AND (CAST(split(ia.address, '.', 1) AS INTEGER) & 0xf0) = 16)
			OR (split(ia.address, '.', 0) = '192' AND split(ia.address, '.', 1) = '168')
		)
		OR (inet_aton(ia.address) IS NULL AND regex_match(lower(ia.address), '^f[cd][0-9a-f][0-9a-f]:[0-9a-f:]+', 0) IS NOT NULL)
	)
ORDER BY
    r.metric ASC,
	inet_aton(ia.address) IS NOT NULL DESC
LIMIT 1;`,
  },
  { key: "os_version", sql: "SELECT * FROM os_version LIMIT 1" },
  { key: "osquery_flags", sql: `select name, value from osquery_flags where name in ("distributed_interval", "config_tls_refresh", "config_refresh", "logger_tls_period")` },
  { key: "osquery_info", sql: "select * from osquery_info limit 1" },
  { key: "system_info", sql: "select * from system_info limit 1" },
  { key: "uptime", sql: "select * from uptime limit 1" },
  {
    key: "disk_space_unix",
    sql: `
		SELECT (blocks_available * 100 / blocks) AS percent_disk_space_available,
		       round((blocks_available * blocks_size * 10e-10),2) AS gigs_disk_space_available,
		       round((blocks           * blocks_size * 10e-10),2) AS gigs_total_disk_space,
					 (SELECT round(SUM(blocks * blocks_size) * 10e-10, 2) FROM mounts ${DISK_SPACE_CONDITIONS}) AS gigs_all_disk_space
		FROM mounts WHERE path = '/' LIMIT 1;`,
  },
  { key: "kubequery_info", sql: "SELECT * from kubernetes_info", discovery: discoveryTable("kubernetes_info") },
  { key: "google_chrome_profiles", sql: "SELECT email FROM google_chrome_profiles WHERE NOT ephemeral AND email <> ''", discovery: discoveryTable("google_chrome_profiles") },
  {
    key: "os_unix_like",
    sql: `
	SELECT
		os.name, os.major, os.minor, os.patch, os.extra, os.build, os.arch, os.platform,
		os.version AS version,
		k.version AS kernel_version
	FROM
		os_version os,
		kernel_info k`,
  },
  { key: "orbit_info", sql: "SELECT * FROM orbit_info", discovery: discoveryTable("orbit_info") },
  { key: "disk_encryption_linux", sql: "SELECT de.encrypted, m.path FROM disk_encryption de JOIN mounts m ON m.device_alias = de.name;" },
  { key: "users", sql: USERS },
  {
    key: "software_linux",
    sql: `WITH cached_users AS (${USERS})
SELECT name AS name, version AS version, ${SOFTWARE_COLUMNS("deb_packages")}, '' AS release, '' AS arch, '' AS installed_path
FROM deb_packages
WHERE status LIKE '% ok installed'
UNION
SELECT package AS name, version AS version, ${SOFTWARE_COLUMNS("portage_packages")}, '' AS release, '' AS arch, '' AS installed_path
FROM portage_packages
UNION
SELECT name AS name, version AS version, '' AS extension_id, '' AS extension_for, 'rpm_packages' AS source, release AS release, vendor AS vendor, arch AS arch, '' AS installed_path
FROM rpm_packages
UNION
SELECT name AS name, version AS version, ${SOFTWARE_COLUMNS("npm_packages")}, '' AS release, '' AS arch, path AS installed_path
FROM npm_packages
UNION
SELECT name AS name, version AS version, identifier AS extension_id, browser_type AS extension_for, 'chrome_extensions' AS source, '' AS release, '' AS vendor, '' AS arch, path AS installed_path
FROM cached_users CROSS JOIN chrome_extensions USING (uid)
UNION
SELECT name AS name, version AS version, identifier AS extension_id, 'firefox' AS extension_for, 'firefox_addons' AS source, '' AS release, '' AS vendor, '' AS arch, path AS installed_path
FROM cached_users CROSS JOIN firefox_addons USING (uid);
`,
  },
  {
    key: "software_python_packages",
    sql: `
		SELECT name AS name, version AS version, ${SOFTWARE_COLUMNS("python_packages")}, path AS installed_path
		FROM python_packages
	`,
    discovery: `${VERSION_PARTS}major < 5 OR (major = 5 AND minor < 16)`,
  },
  {
    key: "software_python_packages_with_users_dir",
    sql: `WITH cached_users AS (${USERS})
		SELECT name AS name, version AS version, ${SOFTWARE_COLUMNS("python_packages")}, path AS installed_path
		FROM cached_users CROSS JOIN python_packages USING (uid)
	`,
    discovery: `${VERSION_PARTS}major > 5 OR (major = 5 AND minor >= 16)`,
  },
  {
    key: "software_vscode_extensions",
    sql: `WITH cached_users AS (${USERS})
SELECT name, version, '' AS bundle_identifier, vscode_extensions.uuid AS extension_id, vscode_edition AS extension_for, 'vscode_extensions' AS source, publisher AS vendor, '' AS last_opened_at, path AS installed_path
FROM cached_users CROSS JOIN vscode_extensions USING (uid)`,
    discovery: discoveryTable("vscode_extensions"),
  },
  {
    key: "software_jetbrains_plugins",
    sql: `WITH cached_users AS (${USERS})
SELECT name, version, '' AS bundle_identifier, '' AS extension_id, product_type AS extension_for, 'jetbrains_plugins' AS source, vendor, '' AS last_opened_at, path AS installed_path
FROM cached_users CROSS JOIN jetbrains_plugins USING (uid)`,
    discovery: discoveryTable("jetbrains_plugins"),
  },
  {
    key: "software_linux_fleetd_pacman",
    sql: "SELECT name AS name, version AS version, '' AS extension_id, '' AS extension_for, 'pacman_packages' AS source, '' AS release, '' AS vendor, arch AS arch, '' AS installed_path FROM fleetd_pacman_packages",
    discovery: discoveryTable("fleetd_pacman_packages"),
  },
  {
    key: "software_go_binaries",
    sql: "SELECT name AS name, version AS version, '' AS extension_id, '' AS extension_for, 'go_binaries' AS source, '' AS release, '' AS vendor, '' AS arch, installed_path AS installed_path FROM go_binaries",
    discovery: discoveryTable("go_binaries"),
  },
  {
    key: "deb_last_opened_at",
    sql: `
		SELECT package, MAX(atime) AS last_opened_at
		FROM deb_package_files
		CROSS JOIN file USING (path)
		WHERE type = 'regular' AND regex_match(file.mode, '[1357]', 0)
		GROUP BY package
	`,
    discovery: discoveryTable("deb_package_files"),
  },
  {
    key: "rpm_last_opened_at",
    sql: `
		SELECT package, MAX(atime) AS last_opened_at
		FROM (SELECT package, path FROM rpm_package_files WHERE regex_match(mode, '[1357]', 0))
		CROSS JOIN file USING (path)
		WHERE type = 'regular'
		GROUP BY package
	`,
    discovery: discoveryTable("rpm_package_files"),
  },
  {
    key: "scheduled_query_stats",
    sql: `
			SELECT *,
				(SELECT value from osquery_flags where name = 'pack_delimiter') AS delimiter
			FROM osquery_schedule`,
  },
];
