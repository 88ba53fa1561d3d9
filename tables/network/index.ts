// The network family: every table file in this folder, registered in one list.
import type { Table } from "../../src/table.ts";
import arpCache from "./arp_cache.ts";
import etcHosts from "./etc_hosts.ts";
import etcProtocols from "./etc_protocols.ts";
import etcServices from "./etc_services.ts";
import interfaceAddresses from "./interface_addresses.ts";
import interfaceDetails from "./interface_details.ts";
import interfaceIpv6 from "./interface_ipv6.ts";
import iptables from "./iptables.ts";
import listeningPorts from "./listening_ports.ts";
import routes from "./routes.ts";

export const tables: Table[] = [
  listeningPorts,
  interfaceAddresses,
  interfaceDetails,
  interfaceIpv6,
  routes,
  arpCache,
  etcHosts,
  etcServices,
  etcProtocols,
  iptables,
];
