// python_packages: distributions installed in Python's site directories,
// one row per *.dist-info or *.egg-info directory found anywhere below a site
// directory, as osquery walks them: the system site-packages/dist-packages,
// then each selected user's ~/.local and pyenv versions.
import { namespaceRoots, stampNamespace } from "../../src/linux/namespaces.ts";
import { GLOB_ALL, resolveFilePattern } from "../../src/linux/glob.ts";
import { pythonSiteRows, SYSTEM_SITE_PATTERNS, userSiteDirectories } from "../../src/linux/python_site.ts";
import { usersFromContext } from "../../src/linux/users.ts";
import { defineTable, type Row } from "../../src/table.ts";

export default defineTable({
  name: "python_packages",
  userData: true,
  columns: {
    name: "TEXT",
    uid: "BIGINT index",
    version: "TEXT collate=version",
    summary: "TEXT",
    author: "TEXT",
    license: "TEXT",
    path: "TEXT",
    directory: "TEXT index optimized",
    pid_with_namespace: "INTEGER hidden additional",
  },
  generate(ctx) {
    return namespaceRoots(ctx).flatMap((ns) => {
      const { root } = ns;
      const rows: Row[] = [];
      const given = ctx.equals("directory");
      if (given.length > 0) {
        // A directory constraint replaces every search path, user ones included.
        for (const dir of [...new Set(given)].sort()) for (const item of pythonSiteRows(dir, 0, root)) rows.push(item);
        return stampNamespace(rows, ns);
      }
      const system = new Set<string>();
      for (const pattern of SYSTEM_SITE_PATTERNS) {
        for (const site of resolveFilePattern(pattern, GLOB_ALL, { root })) system.add(site);
      }
      for (const site of [...system].sort()) for (const item of pythonSiteRows(site, 0, root)) rows.push(item);
      for (const user of usersFromContext(ctx, root)) {
        if (!user.home) continue;
        for (const site of userSiteDirectories(user.home, root)) for (const item of pythonSiteRows(site, user.uid, root)) rows.push(item);
      }
      return stampNamespace(rows, ns);
    });
  },
});
