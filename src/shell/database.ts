// The shell's database: osqueryi keeps no state unless --database_path is set
// explicitly (INTERFACES §1). When it is, the shell opens that LMDB
// environment through the daemon's store, as osquery does, and keeps its
// instance id there, so osquery_info.instance_id is stable across runs.
import { flags } from "../flags/flags.ts";
import { err, ok, type Result } from "../result.ts";
import { runtime } from "../runtime.ts";
import type { Store } from "../store/store.ts";

const INSTANCE_KEY = "instance_uuid_v1";

/** Opens the database if --database_path was given; returns an error text on failure. */
export async function openShellDatabase(): Promise<string | null> {
  if (!flags.isSet("database_path") || flags.bool("disable_database")) return null;
  const path = flags.get("database_path");
  try {
    // Loaded only here: a shell without --database_path never pays for lmdb.
    const { openStore } = await import("../store/store.ts");
    const store = await openStore(path);
    let id = store.get("configurations", INSTANCE_KEY);
    if (!id) {
      id = crypto.randomUUID();
      const fresh = id;
      await store.write((w) => w.put("configurations", INSTANCE_KEY, fresh));
    }
    runtime.instanceId = id;
    runtime.databasePlugin = "lmdb";
    await store.close();
    return null;
  } catch (e) {
    return `cannot open the database at ${path}: ${(e as Error).message}`;
  }
}

/** The store --database_dump reads: none (null) without an explicit --database_path. */
export async function openShellStore(): Promise<Result<Store | null, string>> {
  if (!flags.isSet("database_path") || flags.bool("disable_database")) return ok(null);
  const path = flags.get("database_path");
  try {
    const { openStore } = await import("../store/store.ts");
    return ok(await openStore(path));
  } catch (e) {
    return err(`cannot open the database at ${path}: ${(e as Error).message}`);
  }
}
