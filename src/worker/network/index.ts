// The worker's network agent (overlay, routing mesh, VIPs, DNS) and its pure parts.
export { NetworkAgent, type NetworkAgentOptions } from './network-agent.js';
export { HOST_INGRESS_IFNAME, hostEndpointId, lbState, overlayState, underlayAddrOf, vipTargetsFor, type NetworkView, type VipTarget } from './desired.js';
export { vipTableScript, VIP_TABLE } from './vip-tables.js';
