// Top-level daemon commands: init, join, leave.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { register as init } from './init.js';
import { register as join } from './join.js';
import { register as leave } from './leave.js';

export function registerDaemon(program: Command, ctx: Ctx): void {
  init(program, ctx);
  join(program, ctx);
  leave(program, ctx);
}
