// osquery's flags: one registry of names, types, defaults and kinds (INTERFACES §2).
// Kinds decide where a flag may be set and where --help shows it:
//   cli    — command line only; shown in --help; refused (with a warning) in config options
//   normal — command line or config options; shown in --help
//   shell  — shell-only; shown in the shell's own --help section
//   hidden — settable anywhere, never shown in --help
export type FlagType = "bool" | "int32" | "uint32" | "uint64" | "string";
export type FlagKind = "cli" | "normal" | "shell" | "hidden";

export interface FlagSpec {
  readonly name: string;
  readonly type: FlagType;
  readonly defaultValue: string;
  readonly kind: FlagKind;
  readonly description: string;
}

// name | type | default | kind | description (in osq's own words)
const TABLE = `
flagfile|string||cli|Read more flags from this file, one per line
config_plugin|string|filesystem|cli|Which config plugin supplies the configuration
config_path|string|/etc/osquery/osquery.conf|cli|Where the filesystem config plugin reads the JSON config
config_refresh|uint64|0|cli|Re-read the config every this many seconds (0: never)
config_tls_refresh|uint64|0|hidden|Old name of config_refresh
config_accelerated_refresh|uint64|300|cli|Seconds between config retries after a failed read
config_check|bool|false|cli|Validate the config, report the result and exit
config_dump|bool|false|cli|Print each config source as read, then exit
database_dump|bool|false|cli|Print every key and value of the database, then exit
config_enable_backup|bool|false|cli|Keep the last good config and fall back to it when a refresh fails
database_path|string|/var/osquery/osquery.db|cli|Directory of the persistent database
disable_database|bool|false|hidden|Keep no database on disk; state lives in memory
pidfile|string|/var/run/osqueryd.pidfile|cli|Path of the daemon's pidfile lock
force|bool|false|cli|Stop a daemon that already holds the pidfile, then start
daemonize|bool|false|cli|Detach from the terminal and run in the background
ephemeral|bool|false|hidden|Run without the pidfile and without persistent state
disable_watchdog|bool|false|cli|Run as a single process, without the watcher
watchdog_level|int32|0|cli|Resource profile of the watchdog: 0 normal, 1 restrictive, -1 off
watchdog_memory_limit|uint64|0|cli|Worker memory limit in MB, overriding the profile
watchdog_utilization_limit|uint64|0|cli|Worker CPU limit in percent, overriding the profile
watchdog_latency_limit|uint64|0|cli|Seconds of sustained CPU use allowed, overriding the profile
watchdog_delay|uint64|60|cli|Seconds after a worker starts before limits are enforced
watchdog_forced_shutdown_delay|uint64|4|cli|Seconds between asking a worker to stop and killing it
watchdog_max_delay|uint64|600|cli|Longest wait in seconds between worker restarts
enable_extensions_watchdog|bool|false|cli|Apply the watchdog's limits to extension processes too
alarm_timeout|uint64|15|cli|Seconds a shutdown may take before it is forced (at least 10)
disable_extensions|bool|false|cli|Turn off the extension manager and its socket
extensions_socket|string|/var/osquery/osquery.em|cli|Unix socket where extensions reach the manager
extensions_autoload|string|/etc/osquery/extensions.load|cli|File listing extensions to start and supervise
extensions_timeout|string|3|cli|Seconds to wait for autoloaded extensions to register
extensions_interval|string|3|cli|Seconds between health checks of extensions
extensions_require|string||cli|Extensions that must register before start-up continues (comma list)
extensions_default_index|bool|false|hidden|Treat every extension table column as indexed
allow_unsafe|bool|false|cli|Load extensions even when their file permissions are unsafe
extension|string||shell|One extension binary for the shell to load
schedule_splay_percent|uint64|10|normal|Spread scheduled intervals by up to this percent
schedule_default_interval|uint64|3600|normal|Interval in seconds for scheduled queries that give none
schedule_max_drift|uint64|60|normal|Seconds of scheduler lag to catch up before dropping it
schedule_timeout|uint64|0|hidden|Stop the scheduler after this many seconds (0: never)
schedule_epoch|uint64|0|normal|Epoch of scheduled results; changing it restarts every differential
schedule_reload|uint64|3600|normal|Seconds between database maintenance passes
schedule_lognames|bool|false|hidden|Log the name of each scheduled query as it runs
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
logger_status_sync|bool|false|normal|Send status logs to plugins as they happen
logger_tls_endpoint|string||normal|Endpoint path that receives logs over TLS
logger_tls_period|uint64|4|normal|Seconds between sends of buffered logs over TLS
logger_tls_max_lines|uint64|1024|normal|Most log lines sent in one TLS request
logger_tls_max_linesize|uint64|1048576|normal|Longest log line in bytes sent over TLS
logger_tls_backoff_max|uint64|3600|normal|Longest wait in seconds between failed TLS log sends
logger_tls_compress|bool|false|normal|Compress TLS log requests with gzip
logger_syslog_facility|int32|19|normal|Syslog facility (0-23) for the syslog logger
logger_syslog_prepend_cee|bool|false|normal|Prefix syslog JSON messages with @cee:
aws_access_key_id|string||normal|AWS access key id for the AWS loggers
aws_secret_access_key|string||normal|AWS secret access key for the AWS loggers
aws_session_token|string||normal|AWS session token that goes with temporary credentials
aws_profile_name|string||normal|Profile of the shared AWS credentials and config files
aws_region|string||normal|AWS region of every AWS service that names none of its own
aws_sts_arn_role|string||normal|Role the AWS loggers assume through STS
aws_sts_region|string||normal|Region of the STS endpoint
aws_sts_session_name|string|default|normal|Session name of the assumed STS role
aws_sts_timeout|uint64|3600|normal|Seconds the assumed role's credentials are used
aws_enable_proxy|bool|false|normal|Send AWS requests through the aws_proxy_* proxy
aws_proxy_scheme|string|https|normal|Scheme of the AWS proxy (http or https)
aws_proxy_host|string||normal|Host of the AWS proxy
aws_proxy_port|uint32|0|normal|Port of the AWS proxy
aws_proxy_username|string||normal|User name for the AWS proxy
aws_proxy_password|string||normal|Password for the AWS proxy
aws_debug|bool|false|normal|Log every AWS request and reply at verbose level
aws_imdsv2_request_attempts|uint32|3|normal|Attempts at getting an EC2 metadata (IMDSv2) token
aws_imdsv2_request_interval|uint32|3|normal|Base seconds between IMDSv2 token attempts
aws_disable_imdsv1_fallback|bool|false|normal|Give up on EC2 metadata when no IMDSv2 token is had
aws_enforce_fips|bool|false|cli|Use only the AWS FIPS endpoints
aws_kinesis_period|uint64|10|normal|Seconds between sends of buffered logs to Kinesis
aws_kinesis_stream|string||normal|Kinesis stream that receives the logs
aws_kinesis_random_partition_key|bool|false|normal|Give each Kinesis record a random partition key
aws_kinesis_disable_log_status|bool|false|normal|Send no status logs to Kinesis
aws_kinesis_endpoint|string||normal|Kinesis endpoint instead of the region's
aws_kinesis_region|string||normal|Kinesis region, before aws_region
aws_firehose_period|uint64|10|normal|Seconds between sends of buffered logs to Firehose
aws_firehose_stream|string||normal|Firehose delivery stream that receives the logs
aws_firehose_endpoint|string||normal|Firehose endpoint instead of the region's
aws_firehose_region|string||normal|Firehose region, before aws_region
decorations_top_level|bool|false|normal|Put decorations at the top level of result lines
disable_decorators|bool|false|normal|Add no decorations to result lines
buffered_log_max|uint64|1000000|normal|Most log lines kept for buffering plugins (0: no limit)
disable_events|bool|false|normal|Turn off the event publishers and subscribers
events_expiry|uint64|3600|normal|Seconds stored events are kept
events_max|uint64|50000|normal|Most events stored per subscriber
events_optimize|bool|true|normal|Return only new events to scheduled queries
events_enforce_denylist|bool|false|normal|Denylist event queries too
enable_file_events|bool|false|normal|Turn on the inotify file event publisher
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
augeas_lenses|string|/opt/osquery/share/osquery/lenses|normal|Directory of the augeas lenses (.aug files)
yara_delay|uint32|50|normal|Milliseconds to pause after each YARA scan
yara_sigurl_authenticate|bool|false|normal|POST sigurl rule requests with the TLS node key in the body
enable_yara_string|bool|false|hidden|Show the matched strings of inline sigrule rules
disable_caching|bool|false|normal|Always regenerate cacheable tables
thrift_timeout|uint32|300|hidden|Seconds before an extension call times out
nullvalue|string||shell|Text shown for NULL (default empty)
disable_carver|bool|true|normal|Turn off file carving
carver_disable_function|bool|true|normal|Turn off the carve() SQL function
carver_start_endpoint|string||normal|Endpoint path that starts a carve upload
carver_continue_endpoint|string||normal|Endpoint path that receives carve blocks
carver_block_size|uint32|8192|normal|Size in bytes of each uploaded carve block
carver_compression|bool|false|normal|Compress carve archives with zstd
carver_expiry|uint32|86400|normal|Seconds the record of a finished carve is kept
docker_socket|string|/var/run/docker.sock|normal|Unix socket of the Docker Engine API
lxd_socket|string|/var/lib/lxd/unix.socket|normal|Unix socket of the LXD API
enable_foreign|bool|false|normal|Register the tables of other platforms, which return no rows
table_delay|uint64|0|hidden|Microseconds to pause between table scans
disable_hash_cache|bool|false|normal|Hash files every time instead of caching by inode times
hash_cache_max|uint32|500|normal|Most file hashes kept in the cache
utc|bool|true|hidden|Report times in UTC
S|bool|false|hidden|Run as the shell
D|bool|false|hidden|Run as the daemon
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
output|string|-|shell|Write results to this file (- for stdout)
planner|bool|false|shell|Show the query planner's decisions
profile|int32|0|shell|Run the query this many times, printing nothing, for an outside profiler
profile_delay|int32|0|hidden|Seconds to sleep before and after profiling
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
