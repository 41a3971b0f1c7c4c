// network create [-d overlay] [--subnet CIDR] [--gateway IP] [--attachable] [--label K=V]... NAME

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { invalidFlag } from '../../errors.js';
import { parseLabels } from '../../parse/values.js';
import { collect } from '../util.js';

interface Flags {
  driver: string;
  subnet?: string;
  gateway?: string;
  attachable?: boolean;
  label: string[];
}

const CIDR_RE = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const IP_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

export function register(network: Command, ctx: Ctx): void {
  network
    .command('create')
    .description('Create an overlay network')
    .argument('<name>', 'network name')
    .option('-d, --driver <driver>', 'network driver (only overlay)', 'overlay')
    .option('--subnet <cidr>', 'subnet, e.g. 10.0.9.0/24 (default: the next free /24 of 10.0.0.0/8)')
    .option('--gateway <ip>', 'gateway address in the subnet (default: its first address)')
    .option('--attachable', 'let standalone containers attach')
    .option('--label <K=V>', 'network label (repeatable)', collect, [])
    .action(async (name: string, f: Flags) => {
      if (f.driver !== 'overlay') throw invalidFlag('--driver', f.driver, 'tsswarm networks use the overlay driver');
      if (f.subnet !== undefined && !CIDR_RE.test(f.subnet)) throw invalidFlag('--subnet', f.subnet, 'expected CIDR notation like 10.0.9.0/24');
      if (f.gateway !== undefined && !IP_RE.test(f.gateway)) throw invalidFlag('--gateway', f.gateway, 'expected an IPv4 address');
      if (f.gateway !== undefined && f.subnet === undefined) throw invalidFlag('--gateway', f.gateway, 'needs --subnet');
      const body = {
        Name: name,
        Driver: 'overlay',
        Attachable: f.attachable ?? false,
        Labels: f.label.length > 0 ? parseLabels('--label', f.label) : {},
        ...(f.subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: f.subnet, ...(f.gateway ? { Gateway: f.gateway } : {}) }] } } : {}),
      };
      const res = await ctx.client().post<{ Id?: string; ID?: string }>('/networks/create', body);
      ctx.println(res.Id ?? res.ID ?? name);
    });
}
