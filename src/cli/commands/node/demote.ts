// node demote NODE...

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { registerRole } from './role.js';

export function register(node: Command, ctx: Ctx): void {
  registerRole(node, ctx, 'demote', 'worker');
}
