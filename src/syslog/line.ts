// One line of osquery's rsyslog template (OsqueryCsvFormat):
//   %timegenerated:::date-rfc3339,csv%,%hostname:::csv%,%syslogseverity:::csv%,
//   %syslogfacility-text:::csv%,%syslogtag:::csv%,%msg:::csv%\n
// rsyslog's "csv" property option quotes a field and doubles the quotes in it
// but leaves backslashes alone, so this is not RFC 4180: a quote toggles
// quoting, "" inside quotes is one quote, and commas split only outside.

export const SYSLOG_FIELDS = ["time", "host", "severity", "facility", "tag", "message"] as const;

/** The fields of a line, split as rsyslog's csv option writes them. */
export function splitRsyslogCsv(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  // Set when a field ended at a comma: the end of the line then holds one more, empty, field.
  let afterComma = false;
  while (i < line.length || afterComma) {
    if (i >= line.length) {
      out.push("");
      break;
    }
    afterComma = false;
    let token = "";
    let quoted = false;
    for (; i < line.length; i++) {
      const c = line[i] as string;
      if (c === "," && !quoted) {
        i++;
        afterComma = true;
        break;
      }
      if (c === '"') {
        if (!quoted) quoted = true;
        else if (line[i + 1] === '"') {
          token += '"';
          i++;
        } else quoted = false;
      } else {
        token += c;
      }
    }
    out.push(token);
  }
  return out;
}

/**
 * The syslog_events columns of a line (time → datetime; the tag loses the
 * colon rsyslog appends), or why the line does not fit the template.
 */
export function parseSyslogLine(line: string): Record<string, string> | string {
  const values = splitRsyslogCsv(line);
  if (values.length > SYSLOG_FIELDS.length) return "Received more fields than expected";
  if (values.length < SYSLOG_FIELDS.length) return "Received fewer fields than expected";
  const row: Record<string, string> = {};
  SYSLOG_FIELDS.forEach((key, i) => {
    const value = (values[i] as string).trim();
    if (key === "time") row.datetime = value;
    else if (key === "tag" && value.endsWith(":")) row.tag = value.slice(0, -1);
    else row[key] = value;
  });
  return row;
}
