// The accounts family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import authorizedKeys from "./authorized_keys.ts";
import crontab from "./crontab.ts";
import groups from "./groups.ts";
import knownHosts from "./known_hosts.ts";
import last from "./last.ts";
import loggedInUsers from "./logged_in_users.ts";
import shadow from "./shadow.ts";
import shellHistory from "./shell_history.ts";
import sshConfigs from "./ssh_configs.ts";
import sudoers from "./sudoers.ts";
import userGroups from "./user_groups.ts";
import userSshKeys from "./user_ssh_keys.ts";
import users from "./users.ts";

export const tables: Table[] = [
  users,
  groups,
  userGroups,
  loggedInUsers,
  last,
  shadow,
  authorizedKeys,
  userSshKeys,
  knownHosts,
  sshConfigs,
  sudoers,
  shellHistory,
  crontab,
];
