// `tsswarm swarm <verb>`.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { register as joinToken } from './join-token.js';
import { register as update } from './update.js';

export function registerSwarm(program: Command, ctx: Ctx): void {
  const swarm = program.command('swarm').description('Manage the swarm').enablePositionalOptions();
  joinToken(swarm, ctx);
  update(swarm, ctx);
}
