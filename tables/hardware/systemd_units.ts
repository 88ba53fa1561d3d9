// systemd_units: the units systemd has loaded.
//
// osquery asks systemd over D-Bus (ListUnits plus FragmentPath, SourcePath
// and User properties). We have no D-Bus client, so the units are rebuilt from
// unit files and the run-time traces systemd leaves in /run and /sys/fs/cgroup
// (see src/linux/systemd.ts): units systemd loaded without a file (devices,
// scopes, transient units it never wrote) are missing, and states are inferred.
// Where osquery's D-Bus call would fail (no system bus, systemd not PID 1, as
// in most containers) there are no rows, as in osquery.
import { verbose } from "../../src/logger/glog.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { readSystemdUnits, systemdManagerProblem, unitObjectPath, type SystemdUnit } from "../../src/linux/systemd.ts";

export default defineTable({
  name: "systemd_units",
  columns: {
    id: "TEXT",
    description: "TEXT",
    load_state: "TEXT",
    active_state: "TEXT",
    sub_state: "TEXT",
    unit_file_state: "TEXT",
    following: "TEXT",
    object_path: "TEXT",
    job_id: "BIGINT",
    job_type: "TEXT",
    job_path: "TEXT",
    fragment_path: "TEXT",
    user: "TEXT",
    source_path: "TEXT",
  },
  generate() {
    const problem = systemdManagerProblem();
    if (problem !== null) {
      verbose("systemd_units.ts", `Failed to generate the systemd unit list: ${problem}`);
      return [];
    }
    return readSystemdUnits().map(systemdUnitRow);
  },
});

export function systemdUnitRow(u: SystemdUnit): Row {
  return {
    id: u.id,
    description: u.description,
    load_state: u.loadState,
    active_state: u.activeState,
    sub_state: u.subState,
    unit_file_state: u.unitFileState,
    following: "",
    object_path: unitObjectPath(u.id),
    // No queued jobs can be seen without the manager: ListUnits' "no job" values.
    job_id: 0,
    job_type: "",
    job_path: "/",
    fragment_path: u.fragmentPath,
    user: u.user,
    source_path: u.sourcePath,
  };
}
