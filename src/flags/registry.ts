// osquery's flags: one registry of names, types, defaults and kinds (INTERFACES §2),
// every flag osquery's Linux build defines (test/e2e/osquery-flags.ts, made
// from osquery's source, is the list the tests hold it to).
// Kinds decide where a flag may be set and where --help shows it:
//   cli       — command line only; shown in --help; refused (with a warning) in config options
//   normal    — command line or config options; shown in --help
//   shell     — shell-only; shown in the shell's own --help section
//   hidden    — settable anywhere, never shown in --help
//   extension — for extension binaries; not shown by osqueryi or osqueryd
export type FlagType = "bool" | "int32" | "uint32" | "uint64" | "string";
export type FlagKind = "cli" | "normal" | "shell" | "hidden" | "extension";

export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  readonly defaultValue: string;
  readonly kind: FlagKind;
  readonly description: string;
}

// name | type | default | kind | description (in osq's own words); `#` lines name the family
// of the block below them (flags added for whole families are kept together, sorted).
const TABLE = `
flagfile|string||cli|Read more flags from this file, one per line
config_plugin|string|filesystem|cli|Which config plugin supplies the configuration
config_path|string|/etc/osquery/osquery.conf|cli|Where the filesystem config plugin reads the JSON config
config_refresh|uint64|0|cli|Re-read the config every this many seconds (0: never)
config_accelerated_refresh|uint64|300|cli|Seconds between config retries after a failed read
config_check|bool|false|cli|Validate the config, report the result and exit
config_dump|bool|false|cli|Print each config source as read, then exit
database_dump|bool|false|cli|Print every key and value of the database, then exit
config_enable_backup|bool|false|cli|Keep the last good config and fall back to it when a refresh fails
database_path|string|/var/osquery/osquery.db|cli|Directory of the persistent database
disable_database|bool|false|normal|Keep no database on disk; state lives in memory
pidfile|string|/var/run/osqueryd.pidfile|cli|Path of the daemon's pidfile lock
force|bool|false|cli|Stop a daemon that already holds the pidfile, then start
daemonize|bool|false|cli|Detach from the terminal and run in the background
ephemeral|bool|false|normal|Run without the pidfile and without persistent state
disable_watchdog|bool|false|cli|Run as a single process, without the watcher
watchdog_level|int32|0|cli|Resource profile of the watchdog: 0 normal, 1 restrictive, -1 off
watchdog_memory_limit|uint64|0|cli|Worker memory limit in MB, overriding the profile
watchdog_utilization_limit|uint64|0|cli|Worker CPU limit in percent, overriding the profile
watchdog_latency_limit|uint64|0|cli|Seconds of sustained CPU use allowed, overriding the profile
watchdog_delay|uint64|60|cli|Seconds after a worker starts before limits are enforced
watchdog_forced_shutdown_delay|uint64|4|cli|Seconds between asking a worker to stop and killing it
watchdog_max_delay|uint64|600|hidden|Longest wait in seconds between worker restarts
enable_extensions_watchdog|bool|false|cli|Apply the watchdog's limits to extension processes too
alarm_timeout|uint64|15|cli|Seconds a shutdown may take before it is forced (at least 10)
disable_extensions|bool|false|cli|Turn off the extension manager and its socket
extensions_socket|string|/var/osquery/osquery.em|cli|Unix socket where extensions reach the manager
extensions_autoload|string|/etc/osquery/extensions.load|cli|File listing extensions to start and supervise
extensions_timeout|string|3|cli|Seconds to wait for autoloaded extensions to register
extensions_interval|string|3|cli|Seconds between health checks of extensions
extensions_require|string||cli|Extensions that must register before start-up continues (comma list)
extensions_default_index|bool|true|normal|Treat every extension table column as indexed
allow_unsafe|bool|false|hidden|Load extensions even when their file permissions are unsafe
extension|string||shell|One extension binary for the shell to load
schedule_splay_percent|uint64|10|normal|Spread scheduled intervals by up to this percent
schedule_default_interval|uint64|3600|normal|Interval in seconds for scheduled queries that give none
schedule_max_drift|uint64|60|normal|Seconds of scheduler lag to catch up before dropping it
schedule_timeout|uint64|0|normal|Stop the scheduler after this many seconds (0: never)
schedule_epoch|uint64|0|normal|Epoch of scheduled results; changing it restarts every differential
schedule_reload|uint64|3600|normal|Seconds between database maintenance passes
schedule_lognames|bool|false|normal|Log the name of each scheduled query as it runs
query_timeout|uint64|300|normal|Seconds a query may run before osq stops it alone (0: no limit; the shell's default is 0)
query_max_rows|uint64|0|normal|Result rows a query may return before osq stops it alone (0: no limit)
pack_refresh_interval|uint64|3600|normal|Seconds a pack's discovery result stays valid
pack_delimiter|string|_|normal|Separator between pack and query in scheduled query names
host_identifier|string|hostname|normal|What identifies this host in logs: hostname, uuid, instance, ephemeral or specified
specified_identifier|string||normal|The identifier used when host_identifier is specified
verbose|bool|false|normal|Show informational and debug status messages
disable_logging|bool|false|normal|Send no status or result logs to the logger plugins
logger_plugin|string|filesystem|cli|Logger plugins to use, comma separated
logger_path|string|/var/log/osquery/|normal|Directory for the filesystem logger's result and status files
logger_mode|string|0640|cli|File mode, in octal, for log files
logger_event_type|bool|true|normal|Log each differential row as its own event line
logger_snapshot_event_type|bool|false|normal|Log each snapshot row as its own line
logger_numerics|bool|false|normal|Write numeric columns as JSON numbers
logger_min_status|int32|0|normal|Lowest status severity sent to the logger plugins
logger_min_stderr|int32|0|normal|Lowest status severity copied to stderr
logger_stderr|bool|true|cli|Copy status logs to stderr
logger_rotate|bool|false|normal|Rotate the result and snapshot logs by size
logger_rotate_size|uint64|26214400|normal|Size in bytes at which a log file is rotated
logger_rotate_max_files|uint64|25|normal|How many rotated files to keep
logger_status_sync|bool|false|hidden|Send status logs to plugins as they happen
logger_tls_endpoint|string||normal|Endpoint path that receives logs over TLS
logger_tls_period|uint64|4|normal|Seconds between sends of buffered logs over TLS
logger_tls_max_lines|uint64|1024|normal|Most log lines sent in one TLS request
logger_tls_max_linesize|uint64|1048576|normal|Longest log line in bytes sent over TLS
logger_tls_backoff_max|uint64|3600|normal|Longest wait in seconds between failed TLS log sends
logger_tls_compress|bool|false|normal|Compress TLS log requests with gzip
logger_syslog_facility|int32|19|normal|Syslog facility (0-23) for the syslog logger
logger_syslog_prepend_cee|bool|false|normal|Prefix syslog JSON messages with @cee:
decorations_top_level|bool|false|normal|Put decorations at the top level of result lines
disable_decorators|bool|false|normal|Add no decorations to result lines
buffered_log_max|uint64|1000000|normal|Most log lines kept for buffering plugins (0: no limit)
disable_events|bool|false|normal|Turn off the event publishers and subscribers
events_expiry|uint64|3600|normal|Seconds stored events are kept
events_max|uint64|50000|normal|Most events stored per subscriber
events_optimize|bool|true|normal|Return only new events to scheduled queries
events_enforce_denylist|bool|false|hidden|Denylist event queries too
enable_file_events|bool|false|normal|Turn on the inotify file event publisher
hardware_disabled_types|string|partition|normal|List of disabled hardware event types
disable_audit|bool|true|normal|Turn off the Linux audit event publisher
audit_allow_config|bool|false|normal|Let the audit publisher change the kernel's audit settings
audit_allow_process_events|bool|true|normal|Let the audit publisher add process execution rules
audit_allow_sockets|bool|false|normal|Let the audit publisher add socket rules
audit_allow_user_events|bool|true|normal|Let the audit publisher add user event rules
tls_hostname|string||cli|Host (and port) of the TLS remote management server
tls_server_certs|string|/opt/osquery/share/osquery/certs/certs.pem|cli|CA bundle used to verify the TLS server
tls_client_cert|string||cli|Client certificate for mutual TLS
tls_client_key|string||cli|Client private key for mutual TLS
tls_session_reuse|bool|true|cli|Keep TLS connections open between requests
tls_session_timeout|uint32|3600|cli|Seconds a reused TLS connection stays open
tls_accept_gzip|bool|false|cli|Ask the TLS server for gzip-compressed answers
tls_disable_status_log|bool|false|normal|Send no status logs over TLS
tls_enroll_override|string|enroll_secret|hidden|Name of the enroll secret field in enroll requests
proxy_hostname|string||cli|HTTP proxy for TLS requests
enroll_tls_endpoint|string||cli|Endpoint path for enrollment
enroll_secret_path|string||cli|File holding the enrollment secret
enroll_secret_env|string||cli|Environment variable holding the enrollment secret
disable_enrollment|bool|false|cli|Never enroll with the TLS server
enroll_always|bool|false|cli|Enroll again at every start
disable_reenrollment|bool|false|cli|Do not enroll again when the server rejects the node key
tls_enroll_max_attempts|uint64|12|cli|Enrollment attempts before giving up (0: no limit)
tls_enroll_max_interval|uint64|600|cli|Longest wait in seconds between enrollment attempts
config_tls_endpoint|string||cli|Endpoint path that serves the config over TLS
config_tls_max_attempts|uint64|3|cli|Attempts per TLS config request
distributed_plugin|string|tls|normal|Plugin that fetches distributed queries
disable_distributed|bool|true|normal|Turn off distributed (live) queries
distributed_interval|uint64|60|normal|Seconds between polls for distributed queries
distributed_tls_read_endpoint|string||normal|Endpoint path to fetch distributed queries from
distributed_tls_write_endpoint|string||normal|Endpoint path to send distributed results to
distributed_tls_max_attempts|uint64|3|normal|Attempts per distributed request
distributed_denylist_duration|uint64|86400|normal|Seconds a distributed query that crashed stays denylisted
disable_tables|string||cli|Tables to turn off, comma separated
enable_tables|string||cli|Only these tables are available, comma separated
read_max|uint64|52428800|normal|Largest file in bytes a table reads
regex_max_size|uint32|256|hidden|Longest pattern in bytes regex_match and regex_split accept
disable_caching|bool|false|normal|Always regenerate cacheable tables
thrift_timeout|uint32|300|normal|Seconds before an extension call times out
nullvalue|string||normal|Text shown for NULL (default empty)
disable_carver|bool|true|cli|Turn off file carving
carver_disable_function|bool|true|cli|Turn off the carve() SQL function
carver_start_endpoint|string||cli|Endpoint path that starts a carve upload
carver_continue_endpoint|string||cli|Endpoint path that receives carve blocks
carver_block_size|uint32|8192|cli|Size in bytes of each uploaded carve block
carver_compression|bool|false|cli|Compress carve archives with zstd
carver_expiry|uint32|86400|cli|Seconds the record of a finished carve is kept
docker_socket|string|/var/run/docker.sock|normal|Unix socket of the Docker Engine API
lxd_socket|string|/var/lib/lxd/unix.socket|normal|Unix socket of the LXD API
enable_foreign|bool|false|normal|Register the tables of other platforms, which return no rows
table_delay|uint64|0|normal|Milliseconds to pause before a table is scanned again in one query
disable_hash_cache|bool|false|normal|Hash files every time instead of caching by inode times
hash_cache_max|uint32|500|normal|Most file hashes kept in the cache
utc|bool|true|hidden|Report times in UTC
S|bool|false|cli|Run as the shell
D|bool|false|cli|Run as the daemon
csv|bool|false|shell|Print results as separated values
json|bool|false|shell|Print results as JSON
json_pretty|bool|false|shell|Print results as indented JSON
line|bool|false|shell|Print one column value per line
list|bool|false|shell|Print results as separated lists
separator|string|PIPE|shell|Field separator for list and csv output (default |)
header|bool|true|shell|Print column names above results
pack|string||shell|Run every query of this config pack
L|bool|false|shell|List the tables and exit
A|string||shell|Print every row of this table and exit
connect|string||shell|Send queries to the extension manager at this socket
query|string||shell|Run this SQL and exit
query_file|string||shell|Run the SQL statements in this file and exit
output|string||shell|Write results to this file (- for stdout)
planner|bool|false|shell|Show the query planner's decisions
profile|int32|0|shell|Run the query this many times, printing nothing, for an outside profiler
profile_delay|int32|0|hidden|Seconds to sleep before and after profiling
# audit publisher and its subscribers
audit_allow_accept_socket_events|bool|true|normal|Include accept() calls in socket_events
audit_allow_apparmor_events|bool|false|normal|Record AppArmor messages as apparmor_events
audit_allow_failed_socket_events|bool|false|normal|Include socket calls that failed in socket_events
audit_allow_fim_events|bool|false|normal|Let the audit publisher add file integrity rules
audit_allow_fork_process_events|bool|false|normal|Include fork, vfork and clone calls in process_events
audit_allow_kill_process_events|bool|false|normal|Include kill calls in process_events
audit_allow_null_accept_socket_events|bool|false|normal|Include accept() calls that give no remote address
audit_allow_seccomp_events|bool|false|normal|Record seccomp messages as seccomp_events
audit_allow_selinux_events|bool|false|normal|Record SELinux messages as selinux_events
audit_allow_unix|bool|false|hidden|Include Unix domain sockets in socket_events
audit_backlog_limit|int32|4096|normal|Kernel audit backlog size the publisher asks for
audit_backlog_wait_time|int32|0|normal|Kernel audit backlog wait time the publisher asks for
audit_debug|bool|false|hidden|Log every audit message received
audit_fim_debug|bool|false|hidden|Log the audit file tracker's state changes
audit_fim_show_accesses|bool|false|hidden|Report reads as well as writes in process_file_events
audit_force_reconfigure|bool|false|normal|Replace the kernel's audit rules even when another daemon set them
audit_force_unconfigure|bool|false|normal|Remove the publisher's audit rules on exit
audit_persist|bool|true|normal|Take the audit netlink socket back when another process takes it
audit_show_partial_fim_events|bool|false|hidden|Report file events whose open was not seen
audit_show_untracked_res_warnings|bool|false|hidden|Warn about file descriptors the file tracker does not know
# AWS credentials and the aws_kinesis and aws_firehose loggers
aws_access_key_id|string||normal|AWS access key ID
aws_debug|bool|false|normal|Log the detail of each AWS request
aws_disable_imdsv1_fallback|bool|false|normal|Never fall back to IMDSv1 when no IMDSv2 token can be had
aws_enable_proxy|bool|false|normal|Send AWS requests through the aws_proxy_* proxy
aws_enforce_fips|bool|false|cli|Use only the FIPS endpoints of AWS services
aws_firehose_endpoint|string||normal|Firehose endpoint URL to use instead of the region's
aws_firehose_period|uint64|10|normal|Seconds between sends to Firehose
aws_firehose_region|string||normal|Region of the Firehose delivery stream
aws_firehose_stream|string||normal|Firehose delivery stream that receives the logs
aws_imdsv2_request_attempts|uint32|3|normal|Attempts to get an IMDSv2 token
aws_imdsv2_request_interval|uint32|3|normal|Seconds between attempts to get an IMDSv2 token
aws_kinesis_disable_log_status|bool|false|normal|Send no status logs to Kinesis
aws_kinesis_endpoint|string||normal|Kinesis endpoint URL to use instead of the region's
aws_kinesis_period|uint64|10|normal|Seconds between sends to Kinesis
aws_kinesis_random_partition_key|bool|false|normal|Give each Kinesis record a random partition key instead of the host identifier
aws_kinesis_region|string||normal|Region of the Kinesis stream
aws_kinesis_stream|string||normal|Kinesis stream that receives the logs
aws_profile_name|string||normal|Profile to read from the AWS shared credentials file
aws_proxy_host|string||normal|Proxy host for AWS requests
aws_proxy_password|string||normal|Proxy password for AWS requests
aws_proxy_port|uint32|0|normal|Proxy port for AWS requests
aws_proxy_scheme|string|https|normal|Proxy scheme for AWS requests: http or https
aws_proxy_username|string||normal|Proxy user for AWS requests
aws_region|string||normal|AWS region for services that name none
aws_secret_access_key|string||normal|AWS secret access key
aws_session_token|string||normal|AWS session token of temporary credentials
aws_sts_arn_role|string||normal|ARN of a role to assume through STS
aws_sts_region|string||normal|Region of the STS endpoint
aws_sts_session_name|string|default|normal|Session name for the role assumed through STS
aws_sts_timeout|uint64|3600|normal|Seconds the assumed role's credentials last
# event publishers other than audit and inotify
enable_syslog|bool|false|normal|Turn on the syslog pipe publisher behind syslog_events
syslog_events_expiry|uint64|2592000|normal|Seconds syslog_events rows are kept
syslog_events_max|uint64|100000|normal|Most syslog_events rows kept
syslog_pipe_path|string|/var/osquery/syslog_pipe|normal|Named pipe rsyslog writes to for syslog_events
syslog_rate_limit|uint64|100|normal|Most syslog lines read from the pipe per second
# extensions and Thrift
thrift_string_size_limit|int32|0|normal|Largest string in bytes taken from a Thrift message (0: no limit)
thrift_verbose|bool|false|normal|Log the Thrift library's own messages
# the kafka_producer logger
logger_kafka_acks|string|all|normal|Broker acknowledgements a Kafka send waits for: 0, 1 or all
logger_kafka_brokers|string|localhost|normal|Kafka bootstrap brokers, comma separated
logger_kafka_compression|string|none|normal|Compression of Kafka messages: none or gzip
logger_kafka_topic|string||normal|Kafka topic that receives the logs
# remote (TLS)
tls_allow_unsafe|bool|false|hidden|Accept server certificates that fail verification
tls_dump|bool|false|hidden|With --verbose, print each TLS request and reply
tls_node_api|bool|false|hidden|Address TLS endpoints under the node key, osquery's node API
tls_secret_always|bool|false|hidden|Add the enroll secret to the query string of every TLS request
# osquery features osq does without (see NO_EFFECT)
augeas_lenses|string|/opt/osquery/share/osquery/lenses|normal|Directory of the lenses the augeas table uses
disable_memory|bool|false|normal|Never read physical memory
distributed_loginfo|bool|false|normal|Log each distributed query run at INFO level
dns_resolver_refresh_interval|int32|60|normal|Seconds between refreshes of the cached DNS resolver
enable_numeric_monitoring|bool|false|normal|Record internal metrics through the numeric monitoring plugins
enable_watchdog_debug|bool|false|cli|Log the watchdog's measurements of each process
enable_yara_string|bool|false|hidden|Report the matched strings in yara results
experiment_list|string||normal|Experiments to turn on, comma separated
hash_delay|uint32|20|hidden|Milliseconds to pause between hashing files
ignore_registry_exceptions|bool|false|hidden|Keep going when a plugin throws while loading
ignore_table_exceptions|bool|false|normal|Return no rows instead of failing when a table throws
install|bool|false|cli|Install osqueryd as a Windows service
keep_container_worker_open|bool|false|cli|Keep the helper that queries inside containers running between queries
malloc_trim_threshold|uint64|200|normal|Memory in MB above which freed memory is handed back to the system
numeric_monitoring_filesystem_path|string|/var/log/osquery/numeric_monitoring.log|normal|File the filesystem numeric monitoring plugin writes
numeric_monitoring_plugins|string|filesystem|normal|Numeric monitoring plugins to use, comma separated
numeric_monitoring_pre_aggregation_time|uint64|60|normal|Seconds metrics are aggregated before they are recorded
rocksdb_background_flushes|int32|4|hidden|RocksDB background flush threads
rocksdb_buffer_blocks|int32|256|hidden|RocksDB write buffer size in 4 KiB blocks
rocksdb_merge_number|int32|4|hidden|RocksDB write buffers merged before a flush
rocksdb_write_buffer|int32|16|hidden|RocksDB write buffers kept
schedule_reload_sql|bool|false|hidden|Also reset the SQL database at each schedule_reload
uninstall|bool|false|cli|Remove the osqueryd Windows service
worker_threads|int32|4|hidden|Unused; kept so old flagfiles still parse
yara_delay|uint32|50|normal|Milliseconds to pause between yara scans
yara_malloc_trim|bool|true|hidden|Hand freed memory back to the system after each yara scan
yara_sigurl_authenticate|bool|false|normal|Authenticate to the TLS server when fetching yara signature_urls
`;

export const FLAGS: readonly FlagSpec[] = TABLE.trim()
  .split("\n")
  .filter((line) => !line.startsWith("#"))
  .map((line) => {
    const [name, type, def, kind, ...desc] = line.split("|");
    return {
      name: name!,
      type: type as FlagType,
      defaultValue: def === "PIPE" ? "|" : def!,
      kind: kind as FlagKind,
      description: desc.join("|"),
    };
  });

export const FLAG_BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(FLAGS.map((f) => [f.name, f]));

/**
 * osquery's FLAG_ALIAS and EXTENSION_FLAG_ALIAS: old or short names that set,
 * and read, the flag they stand for (osctrl still writes --config_tls_refresh;
 * --socket is what extensions are started with). osquery_flags and --help
 * leave them out, and config options may use them even for a CLI-only flag,
 * since osquery checks the CLI-only mark on the alias's own name.
 */
export const FLAG_ALIASES: ReadonlyMap<string, string> = new Map([
  ["config_tls_accelerated_refresh", "config_accelerated_refresh"],
  ["config_tls_refresh", "config_refresh"],
  ["db_path", "database_path"],
  ["interval", "extensions_interval"],
  ["log_numerics_as_numbers", "logger_numerics"],
  ["logger_tls_max", "logger_tls_max_linesize"],
  ["osquery_log_dir", "logger_path"],
  ["socket", "extensions_socket"],
  ["timeout", "extensions_timeout"],
]);

/** The flag `name` sets: its own spec, or the spec of the flag an alias stands for. */
export function flagSpec(name: string): FlagSpec | undefined {
  return FLAG_BY_NAME.get(FLAG_ALIASES.get(name) ?? name);
}

/**
 * Flags whose feature osq does not have, with the reason: accepted, shown in
 * osquery_flags, and when one is set, --verbose says it does nothing here.
 */
export const NO_EFFECT: ReadonlyMap<string, string> = new Map([
  ...["rocksdb_background_flushes", "rocksdb_buffer_blocks", "rocksdb_merge_number", "rocksdb_write_buffer"].map(
    (n) => [n, "osq stores its state in LMDB, not RocksDB"] as const,
  ),
  ...["enable_numeric_monitoring", "numeric_monitoring_filesystem_path", "numeric_monitoring_plugins", "numeric_monitoring_pre_aggregation_time"].map(
    (n) => [n, "osq has no numeric monitoring"] as const,
  ),
  ["yara_malloc_trim", "osq's YARA engine is WebAssembly: its memory goes with the query"],
  ...["logger_kafka_acks", "logger_kafka_brokers", "logger_kafka_compression", "logger_kafka_topic"].map(
    (n) => [n, "osq has no kafka_producer logger"] as const,
  ),
  ["disable_memory", "no osq table reads physical memory"],
  ["dns_resolver_refresh_interval", "osq resolves names through the runtime's resolver, which keeps no resolver to refresh"],
  ["enable_watchdog_debug", "osq's watchdog logs its measurements at verbose level"],
  ["experiment_list", "osq has no experiments"],
  ["hash_delay", "osq does not pause between file hashes"],
  ["ignore_registry_exceptions", "osq plugins report errors instead of throwing"],
  ["ignore_table_exceptions", "a table that fails in osq already fails alone"],
  ["keep_container_worker_open", "osq reads containers without a helper process"],
  ["malloc_trim_threshold", "the JavaScript runtime manages osq's memory"],
  ["schedule_reload_sql", "every osq query runs on a fresh database"],
  ["thrift_string_size_limit", "osq's Thrift reader bounds messages by their own length"],
  ["thrift_verbose", "osq's Thrift code has no library log to turn on"],
  ["tls_allow_unsafe", "osq always verifies the TLS server"],
  ["worker_threads", "osquery itself no longer uses it"],
  ["utc", "osquery itself no longer reads it"],
  ["disable_caching", "osq keeps no cache of table results to turn off"],
  ...["disable_hash_cache", "hash_cache_max"].map((n) => [n, "osq keeps no cache of file hashes"] as const),
  ["schedule_reload", "LMDB needs no periodic reset, and every query runs on a fresh SQLite database"],
  ["table_delay", "osq scans each table once per query, so there is no repeated scan to pause before"],
  ["tls_session_timeout", "the runtime's HTTP client decides how long a kept connection lives"],
]);
