// The packages family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import aptSources from "./apt_sources.ts";
import certificates from "./certificates.ts";
import debPackageFiles from "./deb_package_files.ts";
import debPackages from "./deb_packages.ts";
import npmPackages from "./npm_packages.ts";
import portageKeywords from "./portage_keywords.ts";
import portagePackages from "./portage_packages.ts";
import portageUse from "./portage_use.ts";
import pythonPackages from "./python_packages.ts";
import rpmPackageFiles from "./rpm_package_files.ts";
import rpmPackages from "./rpm_packages.ts";
import yumSources from "./yum_sources.ts";

export const tables: Table[] = [
  debPackages,
  debPackageFiles,
  rpmPackages,
  rpmPackageFiles,
  pythonPackages,
  npmPackages,
  aptSources,
  yumSources,
  portagePackages,
  portageKeywords,
  portageUse,
  certificates,
];
