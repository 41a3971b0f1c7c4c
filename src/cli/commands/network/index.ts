// `tsswarm network <verb>`: one file per verb.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { register as create } from './create.js';
import { register as inspect } from './inspect.js';
import { register as ls } from './ls.js';
import { register as rm } from './rm.js';

export function registerNetwork(program: Command, ctx: Ctx): void {
  const network = program.command('network').description('Manage overlay networks').enablePositionalOptions();
  for (const verb of [create, inspect, ls, rm]) verb(network, ctx);
}
