#!/usr/bin/env bash
# The Debian packages the tests compare osq against, installed when missing.
# `npm test` runs this first (its pretest), so the README's test command sets
# up a fresh machine by itself; on a machine that has them all it only asks dpkg.
set -uo pipefail
# Debian packages the tests compare osq against, one a line with why:
pkgs=(
  rpm             # writes the rpm fixture databases and reads them back independently
  db5.3-util      # db5.3_load writes the Berkeley DB Packages fixture, which Debian's rpm cannot
  openssl         # makes the certificates and keys the x509 and private-key readers are checked against
  ca-certificates # the host bundle the certificates table reads
  bsdutils        # `script`: the pseudo-terminal of the interactive shell test
  e2fsprogs       # mkfs.ext4: the images the full-disk and block device tests format
  time            # GNU time: the peak RSS of one child (Bun's maxRSS reports the largest child ever reaped)
  iptables        # iptables-legacy writes and prints the netfilter rules the iptables test reads back
  pciutils        # lspci: the independent reader of PCI devices
  pci.ids         # the PCI names osquery reads (pci_devices lists nothing without them)
  dmidecode       # the independent reader of the SMBIOS fixtures
  python3         # checks INI, metadata and certificate parsing
  systemd         # the unit files and systemctl
  openssh-client  # makes and reads the ssh fixtures
  file            # with libmagic1, checks the magic table
  libmagic1
  libcap2-bin     # sets the file capability extended_attributes reads
  util-linux      # unshare, nsenter, utmpdump, ipcmk, lsblk, losetup
  mount
  strace          # shows the ycloud table never connects off a non-Yandex host
  tar             # GNU tar reads back the carve archives
  zstd            # decompresses --carver_compression archives independently
  rsyslog         # the system logger the syslog logger and syslog_events tests run on a private config
  auditd          # auditctl -l / -s: the kernel's audit rules and daemon pid, read independently of osq
  libaugeas0      # the library behind the augeas table
  augeas-lenses   # the lenses the augeas test parses its /etc-style files with
  libtsk19        # The Sleuth Kit, the library behind the device_* tables
  fdisk           # sfdisk partitions the disk images the device_* tests read, and prints them as JSON
  thrift-compiler # generates the Python extension peer from src/extensions/osquery.thrift
  python3-thrift  # the independent Thrift peer (client, server and extensions in Python)
  qemu-user-static        # runs the arm64 binary, and the baseline one on a CPU model without AVX2
  libc6-arm64-cross       # the arm64 glibc the arm64 binary runs against under qemu
  libstdc++6-arm64-cross  # the arm64 libstdc++ standing in for Alpine's, which Bun's arm64 musl runtime links
  musl                    # the musl loader the musl binary runs against
  gcc                     # builds the musl tests' small shim for Debian's glibc-built libstdc++ (Bun's musl runtime links it)
  gcc-aarch64-linux-gnu   # the same shim for the arm64 musl binary
  binutils                # readelf: the binaries' program interpreter, and the libraries and glibc symbol versions they and their lmdb addons need
  libc-bin                # ldd: the libraries the chroot test copies
  sqlite3                 # the sqlite3 shell: how integers print, for the output modes
)
need=()
for pkg in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq || exit 1
  # No package's daemon may start: auditd would take the audit netlink role the
  # audit tests give osq, rsyslogd would hold the system log. policy-rc.d is
  # Debian's switch for that (invoke-rc.d and deb-systemd-invoke obey it).
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  rc=$?
  [ "$own_policy" = 1 ] && rm -f "$policy"
  [ "$rc" = 0 ] || exit 1
fi
# Debian's arm64 musl (the loader the arm64 musl binary runs against) is a
# foreign-architecture package: it is fetched, not installed, with apt lists of
# its own, so the host's dpkg and apt configuration stay as they are.
musl_arm64_dir="$(cd "$(dirname "$0")/.." && pwd)/dist/.cache/debian"
if ! ls "$musl_arm64_dir"/musl_*_arm64.deb >/dev/null 2>&1; then
  apt_state="$musl_arm64_dir/apt"
  mkdir -p "$apt_state/lists/partial" "$apt_state/archives/partial" || exit 1
  apt_arm64=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o "Dir::State::Lists=$apt_state/lists"
             -o "Dir::Cache::Archives=$apt_state/archives" -o Dir::State::Status=/dev/null)
  apt-get "${apt_arm64[@]}" update -qq || exit 1
  (cd "$musl_arm64_dir" && apt-get "${apt_arm64[@]}" download musl:arm64 2>/dev/null) || exit 1
  rm -rf "$apt_state"
fi
exit 0
