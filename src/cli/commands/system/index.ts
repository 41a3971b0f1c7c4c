// Top-level `version` and `info`.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { register as info } from './info.js';
import { register as version } from './version.js';

export function registerSystem(program: Command, ctx: Ctx): void {
  info(program, ctx);
  version(program, ctx);
}
