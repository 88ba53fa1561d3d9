// comparePaths: component-wise path order (std::filesystem::path's operator<,
// systemd's path_compare), which differs from plain string order where a
// character sorts below "/".
import { expect, test } from "bun:test";
import { comparePaths } from "../../src/linux/fs.ts";

test("a parent sorts right before its children, even before names with '-' or '.'", () => {
  const paths = ["/home/a.b", "/home/a-b", "/home/a/x", "/home/a", "/home/b", "/h"];
  // Plain string order would put "/home/a-b" and "/home/a.b" before "/home/a/x".
  expect([...paths].sort(comparePaths)).toEqual(["/h", "/home/a", "/home/a/x", "/home/a-b", "/home/a.b", "/home/b"]);
  expect(comparePaths("/sys/devices/pci0/usb1", "/sys/devices/pci0/usb1/1-1")).toBeLessThan(0);
  expect(comparePaths("/x", "/x")).toBe(0);
});
