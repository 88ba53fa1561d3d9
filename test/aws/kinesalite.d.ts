// kinesalite ships no types: the one call the tests make.
declare module "kinesalite" {
  import type { Server } from "node:http";
  export default function kinesalite(options?: Record<string, unknown>): Server;
}
