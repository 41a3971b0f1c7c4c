// `tsswarm service <verb>`: one file per verb.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { register as create } from './create.js';
import { register as inspect } from './inspect.js';
import { register as logs } from './logs.js';
import { register as ls } from './ls.js';
import { register as ps } from './ps.js';
import { register as rm } from './rm.js';
import { register as rollback } from './rollback.js';
import { register as scale } from './scale.js';
import { register as update } from './update.js';

export function registerService(program: Command, ctx: Ctx): void {
  const service = program.command('service').description('Manage services').enablePositionalOptions();
  for (const verb of [create, inspect, logs, ls, ps, rm, rollback, scale, update]) verb(service, ctx);
}
