// service logs: not implemented yet; says so clearly instead of pretending.

import type { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';

export function register(service: Command, _ctx: Ctx): void {
  service
    .command('logs')
    .description('Fetch the logs of a service (not supported yet)')
    .argument('[service]', 'service name or ID')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new CliError('service logs is not supported yet: read the container logs on the node (docker logs) for now');
    });
}
