// Loaded before the test files (bunfig.toml [test] preload). An unhandled
// promise rejection is a bug in osq even when every assertion passes: it is
// what crashed the daemon. bun test fails the test that is running when one
// happens and counts one between tests as an error that fails the run; but a
// rejection from a timer or callback the run's last test left behind fires
// after bun test has stopped counting, and the run passed. This global
// afterAll waits a moment after the last test so that it still fails the run.
import { afterAll } from "bun:test";

afterAll(async () => {
  await Bun.sleep(50);
});
