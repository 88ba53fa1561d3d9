// osquery's flags: one registry of names, types, defaults and kinds (INTERFACES §2).
// Kinds decide where a flag may be set and where --help shows it:
//   cli    — command line only; shown in --help; refused (with a warning) in config options
//   normal — command line or config options; shown in --help
//   shell  — shell-only; shown in the shell's own --help section
//   hidden — settable anywhere, never shown in --help
export type FlagType = "bool" | "int32" | "uint64" | "string";
export type FlagKind = "cli" | "normal" | "shell" | "hidden";

export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  readonly defaultValue: string;
  readonly kind: FlagKind;
  readonly description: string;
}

// name | type | default | kind | description (osq's own words)
const TABLE = `
flagfile|string||cli|Line-delimited file of additional flags
config_plugin|string|filesystem|cli|Config plugin name
config_path|string|/etc/osquery/osquery.conf|cli|Path to the JSON config file
config_refresh|uint64|0|cli|Optional interval in seconds to re-read configuration
config_tls_refresh|uint64|0|hidden|Alias of config_refresh
config_accelerated_refresh|uint64|300|cli|Interval to wait if reading a configuration fails
config_check|bool|false|cli|Check the format of an osquery config and exit
config_dump|bool|false|cli|Dump the contents of the configuration, then exit
config_enable_backup|bool|false|cli|Backup config and use it when refresh fails
database_path|string|/var/osquery/osquery.db|cli|If using a disk-based backing store, specify a path
disable_database|bool|false|hidden|Disable the persistent RocksDB storage
pidfile|string|/var/run/osqueryd.pidfile|cli|Path to the daemon pidfile mutex
force|bool|false|cli|Force osqueryd to kill previously-running daemons
daemonize|bool|false|cli|Attempt to daemonize (POSIX only)
ephemeral|bool|false|hidden|Skip pidfile and database state checks
disable_watchdog|bool|false|cli|Disable userland watchdog process
watchdog_level|int32|0|cli|Performance limit level (0=normal, 1=restrictive, -1=off)
watchdog_memory_limit|uint64|0|cli|Override watchdog profile memory limit (e.g., 300, for 300MB)
watchdog_utilization_limit|uint64|0|cli|Override watchdog profile CPU utilization limit
watchdog_latency_limit|uint64|0|cli|Override watchdog profile latency limit
watchdog_delay|uint64|60|cli|Initial delay in seconds before watchdog starts enforcing limits
watchdog_forced_shutdown_delay|uint64|4|cli|Seconds that the watchdog will wait to kill a worker after a graceful shutdown request
watchdog_max_delay|uint64|600|cli|Max delay in seconds between worker respawns
enable_extensions_watchdog|bool|false|cli|Enable userland watchdog for extensions processes
alarm_timeout|uint64|15|cli|Seconds to allow for shutdown. Minimum is 10
disable_extensions|bool|false|cli|Disable extension API
extensions_socket|string|/var/osquery/osquery.em|cli|Path to the extensions UNIX domain socket
extensions_autoload|string|/etc/osquery/extensions.load|cli|Optional path to a list of autoloaded & managed extensions
extensions_timeout|string|3|cli|Seconds to wait for autoloaded extensions
extensions_interval|string|3|cli|Seconds delay between connectivity checks
extensions_require|string||cli|Comma-separated list of required extensions
extensions_default_index|bool|false|hidden|Enable INDEX on all extension table columns
allow_unsafe|bool|false|cli|Allow unsafe executable permissions
extension|string||shell|Path to a single extension to autoload
schedule_splay_percent|uint64|10|normal|Percent to splay config times
schedule_default_interval|uint64|3600|normal|Query interval to use if none is provided
schedule_max_drift|uint64|60|normal|Max time drift in seconds. Scheduler tries to compensate the drift until the drift exceed this value
schedule_timeout|uint64|0|hidden|Limit the schedule, 0 for no limit
schedule_epoch|uint64|0|normal|Epoch for scheduled queries
schedule_reload|uint64|3600|normal|Interval in seconds to reload database arenas
schedule_lognames|bool|false|hidden|Log the running scheduled query name
pack_refresh_interval|uint64|3600|normal|Cache expiration for a packs discovery queries
pack_delimiter|string|_|normal|Delimiter for pack and query names
host_identifier|string|hostname|normal|Field used to identify the host running osquery (hostname, uuid, ephemeral, instance, specified)
specified_identifier|string||normal|Field used to specify the host_identifier when set to "specified"
verbose|bool|false|normal|Enable verbose informational messages
disable_logging|bool|false|normal|Disable ERROR/INFO logging
logger_plugin|string|filesystem|cli|Logger plugin name
logger_path|string|/var/log/osquery/|normal|Directory path for ERROR/WARN/INFO and results logging
logger_mode|string|0640|cli|Octal mode for log files (default '0640')
logger_event_type|bool|true|normal|Log scheduled results as events
logger_snapshot_event_type|bool|false|normal|Log scheduled snapshot results as events
logger_numerics|bool|false|normal|Use numeric JSON syntax for numeric values
logger_min_status|int32|0|normal|Minimum level for status log recording
logger_min_stderr|int32|0|normal|Minimum level for statuses written to stderr
logger_stderr|bool|true|cli|Write status logs to stderr
logger_rotate|bool|false|normal|Use internal log rotation for results and snapshots
logger_rotate_size|uint64|26214400|normal|Size in bytes at which a log file is rotated
logger_rotate_max_files|uint64|25|normal|Number of rotated files to keep
logger_status_sync|bool|false|normal|Always send status logs synchronously
logger_tls_endpoint|string||normal|TLS/HTTPS endpoint for results logging
logger_tls_period|uint64|4|normal|Seconds between flushing logs over TLS/HTTPS
logger_tls_max_lines|uint64|1024|normal|Max number of logs to send per period
logger_tls_max_linesize|uint64|1048576|normal|Max size in bytes allowed per log line
logger_tls_backoff_max|uint64|3600|normal|Max seconds between log sending retries
logger_tls_compress|bool|false|normal|GZip compress TLS/HTTPS request body
logger_syslog_facility|int32|19|normal|Syslog facility for status and results logs (0-23)
logger_syslog_prepend_cee|bool|false|normal|Prepend @cee: tag to logged JSON messages
decorations_top_level|bool|false|normal|Add decorators as top level JSON objects
disable_decorators|bool|false|normal|Disable log result decoration
buffered_log_max|uint64|1000000|normal|Maximum number of logs in buffered output plugins (0 = unlimited)
disable_events|bool|false|normal|Disable osquery publish/subscribe system
events_expiry|uint64|3600|normal|Timeout to expire event subscriber results
events_max|uint64|50000|normal|Maximum number of events per type to buffer
events_optimize|bool|true|normal|Optimize subscriber select queries (scheduler only)
events_enforce_denylist|bool|false|normal|Enforce denylist on event-based queries
enable_file_events|bool|false|normal|Enables the file_events publisher
disable_audit|bool|true|normal|Disable receiving events from the audit subsystem
audit_allow_config|bool|false|normal|Allow the audit publisher to change auditing configuration
audit_allow_process_events|bool|true|normal|Allow the audit publisher to install process event monitoring rules
audit_allow_sockets|bool|false|normal|Allow the audit publisher to install socket-related rules
audit_allow_user_events|bool|true|normal|Allow the audit publisher to install user-related rules
tls_hostname|string||cli|TLS/HTTPS hostname for Config, Logger, and Enroll plugins
tls_server_certs|string|/opt/osquery/share/osquery/certs/certs.pem|cli|Optional path to a TLS server PEM certificate(s) bundle
tls_client_cert|string||cli|Optional path to a TLS client-auth PEM certificate
tls_client_key|string||cli|Optional path to a TLS client-auth PEM private key
tls_session_reuse|bool|true|cli|Reuse TLS session sockets
tls_session_timeout|uint64|3600|cli|TLS session keep alive timeout in seconds
tls_accept_gzip|bool|false|cli|Request GZip compressed responses
tls_disable_status_log|bool|false|normal|Disable sending status logs
tls_enroll_override|string|enroll_secret|hidden|Override the TLS enroll secret key name
proxy_hostname|string||cli|Optional HTTP proxy hostname
enroll_tls_endpoint|string||cli|TLS/HTTPS endpoint for client enrollment
enroll_secret_path|string||cli|Path to an optional client enrollment-auth secret
enroll_secret_env|string||cli|Name of environment variable holding enrollment-auth secret
disable_enrollment|bool|false|cli|Disable enrollment functions on related config/logger plugins
enroll_always|bool|false|cli|On startup, send a new enrollment request
disable_reenrollment|bool|false|cli|Disable re-enrollment attempts if related plugins return invalid
tls_enroll_max_attempts|uint64|12|cli|The total number of attempts that will be made to the enroll endpoint if a request fails, 0 for infinite
tls_enroll_max_interval|uint64|600|cli|Maximum wait time in seconds between enroll retry attempts
config_tls_endpoint|string||cli|TLS/HTTPS endpoint for config retrieval
config_tls_max_attempts|uint64|3|cli|Number of attempts to retry a TLS config request
distributed_plugin|string|tls|normal|Distributed plugin name
disable_distributed|bool|true|normal|Disable distributed queries
distributed_interval|uint64|60|normal|Seconds between polling for new queries
distributed_tls_read_endpoint|string||normal|URI path to read distributed queries from
distributed_tls_write_endpoint|string||normal|URI path to write distributed query results to
distributed_tls_max_attempts|uint64|3|normal|Number of times to attempt a request
distributed_denylist_duration|uint64|86400|normal|Seconds to denylist distributed queries
disable_tables|string||cli|Comma-delimited list of table names to be disabled
enable_tables|string||cli|Comma-delimited list of table names to be enabled
read_max|uint64|52428800|normal|Maximum file read size
disable_caching|bool|false|normal|Disable scheduled query caching
thrift_timeout|uint64|300|hidden|Thrift socket timeout in seconds
nullvalue|string||shell|Set string for NULL values, default ''
disable_carver|bool|true|normal|Disable the osquery file carver function
carver_disable_function|bool|true|normal|Disable the osquery file carver sql function
carver_start_endpoint|string||normal|TLS/HTTPS init endpoint for forensic carver
carver_continue_endpoint|string||normal|TLS/HTTPS endpoint that receives carved content after session creation
carver_block_size|uint64|8192|normal|Size of blocks used for POSTing data back to remote endpoints
carver_compression|bool|false|normal|Compress archives using zstd prior to upload
carver_expiry|uint64|86400|normal|Seconds to store successful carve result metadata
docker_socket|string|/var/run/docker.sock|normal|Docker UNIX domain socket path
lxd_socket|string|/var/lib/lxd/unix.socket|normal|LXD UNIX domain socket path
table_delay|uint64|0|hidden|Add an optional microsecond delay between table scans
disable_hash_cache|bool|false|normal|Cache calculated file hashes, re-calculate only if inode times change
hash_cache_max|uint64|500|normal|Size of LRU file hash cache
utc|bool|true|hidden|Convert all UNIX times to UTC
S|bool|false|hidden|Run as a shell process
D|bool|false|hidden|Run as a daemon process
csv|bool|false|shell|Set output mode to 'csv'
json|bool|false|shell|Set output mode to 'json'
json_pretty|bool|false|shell|Set output mode to 'json_pretty'
line|bool|false|shell|Set output mode to 'line'
list|bool|false|shell|Set output mode to 'list'
separator|string|PIPE|shell|Set output field separator, default '|'
header|bool|true|shell|Toggle column headers true/false
pack|string||shell|Run all queries in a pack
L|bool|false|shell|List all table names
A|string||shell|Select all from a table
connect|string||shell|Connect to an extension socket
query|string||shell|Run a single query and exit
query_file|string||shell|Run the queries from a file and exit
output|string|-|shell|Write query results to a file ('-' for stdout)
planner|bool|false|shell|Enable osquery runtime planner output
profile|int32|0|shell|Enable profile mode when non-0, set number of iterations
profile_delay|uint64|0|shell|Sleep a number of seconds before and after the profiling
`;

export const FLAGS: readonly FlagSpec[] = TABLE.trim()
  .split("\n")
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
