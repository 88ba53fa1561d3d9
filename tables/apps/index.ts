// The apps family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import carbon_black_info from "./carbon_black_info.ts";
import chrome_extension_content_scripts from "./chrome_extension_content_scripts.ts";
import chrome_extensions from "./chrome_extensions.ts";
import curl from "./curl.ts";
import curl_certificate from "./curl_certificate.ts";
import firefox_addons from "./firefox_addons.ts";
import jetbrains_plugins from "./jetbrains_plugins.ts";
import prometheus_metrics from "./prometheus_metrics.ts";
import vscode_extensions from "./vscode_extensions.ts";

export const tables: Table[] = [
  carbon_black_info,
  chrome_extension_content_scripts,
  chrome_extensions,
  curl,
  curl_certificate,
  firefox_addons,
  jetbrains_plugins,
  prometheus_metrics,
  vscode_extensions,
];
