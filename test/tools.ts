// The system tools tests compare osq against. CI installs them (.ci/run); a
// machine without one fails the test that needs it, naming the package.

/** The path of `name`, or an error naming the Debian package that provides it. */
export function tool(name: string, debianPackage: string): string {
  const p = Bun.which(name) ?? Bun.which(name, { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" });
  if (!p) throw new Error(`${name} is missing: install the Debian package ${debianPackage}`);
  return p;
}
