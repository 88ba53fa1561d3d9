// crontab: the jobs of /etc/crontab, /etc/cron.d/*, and the per-user spools
// (/var/spool/cron/* on Red Hat, /var/spool/cron/crontabs/* on Debian, and
// /var/at/tabs/* on BSD-style systems). osquery does not separate the user
// field of system crontabs: it stays at the start of `command`.
import { namespaceTargets } from "../../src/linux/namespaces.ts";
import { defineTable, type Row } from "../../src/table.ts";
import { listFiles, readRegularFile } from "./common.ts";
import { osquerySplit } from "../../src/linux/split.ts";

export const SYSTEM_CRONTAB = "/etc/crontab";
export const CRON_DIRS = ["/etc/cron.d/", "/var/at/tabs/", "/var/spool/cron/", "/var/spool/cron/crontabs/"];

export default defineTable({
  name: "crontab",
  cacheable: true,
  columns: {
    event: "TEXT",
    minute: "TEXT",
    hour: "TEXT",
    day_of_month: "TEXT",
    month: "TEXT",
    day_of_week: "TEXT",
    command: "TEXT",
    path: "TEXT",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate(ctx) {
    const rows: Row[] = [];
    for (const { root, pid } of namespaceTargets(ctx)) {
      const files = [SYSTEM_CRONTAB, ...CRON_DIRS.flatMap((d) => listFiles(d, root))];
      for (const path of files) {
        for (const job of parseCrontab(readRegularFile(root + path) ?? "")) rows.push({ ...job, path, pid_with_namespace: pid });
      }
    }
    return rows;
  },
});

export interface CronJob {
  event?: string;
  minute?: string;
  hour?: string;
  day_of_month?: string;
  month?: string;
  day_of_week?: string;
  command: string;
}

const FIELDS = ["minute", "hour", "day_of_month", "month", "day_of_week"] as const;

/**
 * One job per line: five schedule fields then the command, or an `@reboot`
 * style event then the command. Blank runs collapse to one space in the
 * command; lines without a command (variables such as SHELL=/bin/sh) are skipped.
 */
export function parseCrontab(text: string): CronJob[] {
  const jobs: CronJob[] = [];
  for (const line of osquerySplit(text, "\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const job: CronJob = { command: "" };
    const words = osquerySplit(line, " \t");
    let index = 0;
    for (const word of words) {
      if (index === 0 && word.startsWith("@")) {
        job.event = word;
        index = 5;
        continue;
      }
      if (index < 5) job[FIELDS[index]!] = word;
      else job.command = index === 5 ? word : `${job.command} ${word}`;
      index++;
    }
    if (job.command !== "") jobs.push(job);
  }
  return jobs;
}
