// `tsswarm node <verb>`: one file per verb.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { register as inspect } from './inspect.js';
import { register as ls } from './ls.js';
import { register as ps } from './ps.js';
import { register as rm } from './rm.js';
import { register as demote } from './demote.js';
import { register as promote } from './promote.js';
import { register as update } from './update.js';

export function registerNode(program: Command, ctx: Ctx): void {
  const node = program.command('node').description('Manage swarm nodes').enablePositionalOptions();
  for (const verb of [demote, inspect, ls, promote, ps, rm, update]) verb(node, ctx);
}
