// Where a Worker's module is, by its path under src/. Compiled, each worker
// module is an entry point of the bundle (build.ts), named from the bundle's
// root, which is src/; from source it is the file itself.
export function workerModule(underSrc: string): string {
  return import.meta.url.includes("/$bunfs/") ? `./${underSrc}` : new URL(`./${underSrc}`, import.meta.url).href;
}
