// Top-level daemon commands: init, join, leave.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';

export function registerDaemon(_program: Command, _ctx: Ctx): void {}
