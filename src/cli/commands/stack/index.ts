// `tsswarm stack <verb>`: compose files deployed client-side, one file per verb.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { register as deploy } from './deploy.js';
import { register as ls } from './ls.js';
import { register as ps } from './ps.js';
import { register as rm } from './rm.js';
import { register as services } from './services.js';

export function registerStack(program: Command, ctx: Ctx): void {
  const stack = program.command('stack').description('Manage stacks (compose files)').enablePositionalOptions();
  for (const verb of [deploy, ls, ps, rm, services]) verb(stack, ctx);
}
