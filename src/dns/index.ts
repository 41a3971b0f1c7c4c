// The per-worker DNS resolver for service discovery on overlay networks.
export { DnsServer, upstreamsFromResolvConf, type DnsServerOptions, type DnsUpstream } from './server.js';
export { buildTable, emptyTable, resolve, type DnsAnswer, type DnsRcode, type DnsTable } from './table.js';
export { aliasProblem } from './names.js';
