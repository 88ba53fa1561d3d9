const { open } = await import("lmdb");
const db = open({ path: process.argv[2] ?? "/tmp/lt/db" });
await db.put("k", { a: 1 });
console.log(db.get("k"));
