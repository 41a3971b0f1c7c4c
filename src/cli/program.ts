// Builds the commander program and runs it: `run(args)` is the whole CLI, returning the
// exit code, with every byte of output going through the given CliIo (tests capture it).

import { Command, CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_USAGE, UsageError } from './errors.js';
import { Ctx, type CliIo, type TlsFlags } from './context.js';
import { registerService } from './commands/service/index.js';
import { registerNode } from './commands/node/index.js';
import { registerSwarm } from './commands/swarm/index.js';
import { registerNetwork } from './commands/network/index.js';
import { registerStack } from './commands/stack/index.js';
import { registerSystem } from './commands/system/index.js';
import { registerDaemon } from './commands/daemon/index.js';
import { CLI_VERSION } from './version.js';

/** "service create" for the `service create` command (the program itself is ""). */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function argCount(n: number): string {
  return `${n} argument${n === 1 ? '' : 's'}`;
}

/** Routes commander's own errors into UsageError so they print like ours. */
class TsCommand extends Command {
  override createCommand(name?: string): TsCommand {
    return new TsCommand(name);
  }

  override error(message: string): never {
    throw new UsageError(message.replace(/^error: /, ''), commandPath(this));
  }

  /** Called by commander when a required positional argument is missing. */
  missingArgument(): never {
    const args = this.registeredArguments;
    const required = args.filter((a) => a.required).length;
    const open = args.some((a) => a.variadic || !a.required);
    throw new UsageError(
      `"${commandPath(this)}" requires ${open ? 'at least' : 'exactly'} ${argCount(required)}.`,
      commandPath(this),
    );
  }

  /** Called by commander when more positional arguments were given than declared. */
  _excessArguments(): void {
    if ((this as unknown as { _allowExcessArguments?: boolean })._allowExcessArguments) return;
    const args = this.registeredArguments;
    const required = args.filter((a) => a.required).length;
    const msg =
      args.length === required
        ? `requires exactly ${argCount(required)}.`
        : `accepts at most ${argCount(args.length)}.`;
    throw new UsageError(`"${commandPath(this)}" ${msg}`, commandPath(this));
  }
}

export function buildProgram(ctx: Ctx): Command {
  const program = new TsCommand('tsswarm');
  program
    .description('Swarm-style container orchestrator')
    .version(CLI_VERSION, '--version', 'print the client version and exit')
    .option('-H, --host <HOST>', 'manager API address, tcp://HOST:PORT (env TSSWARM_HOST; default tcp://127.0.0.1:2375)')
    .option('--tlsverify', 'use mutual TLS to the API (env TSSWARM_TLS_VERIFY=1; files from TSSWARM_CERT_PATH, default ~/.tsswarm)')
    .option('--tlscacert <file>', 'trust only manager certificates signed by this CA (default $TSSWARM_CERT_PATH/ca.pem)')
    .option('--tlscert <file>', 'this client\'s certificate (default $TSSWARM_CERT_PATH/cert.pem)')
    .option('--tlskey <file>', 'this client\'s private key (default $TSSWARM_CERT_PATH/key.pem)')
    .enablePositionalOptions()
    .exitOverride()
    .configureHelp({
      // Repeatable flags start as [] and --no-x flags as true: neither default is worth showing.
      optionDescription: (opt) => {
        const d = opt.defaultValue as unknown;
        const hidden = d === undefined || opt.negate || (Array.isArray(d) && d.length === 0);
        return hidden ? opt.description : `${opt.description} (default: ${opt.defaultValueDescription ?? JSON.stringify(d)})`;
      },
    })
    .configureOutput({
      writeOut: (s) => ctx.io.stdout(s),
      writeErr: (s) => ctx.io.stderr(s),
      outputError: () => {},
    });
  registerService(program, ctx);
  registerNode(program, ctx);
  registerSwarm(program, ctx);
  registerNetwork(program, ctx);
  registerStack(program, ctx);
  registerSystem(program, ctx);
  registerDaemon(program, ctx);
  return program;
}

const defaultIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  env: process.env,
  now: () => Date.now(),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/** Runs the CLI with `args` (without node and script); resolves to the exit code. */
export async function run(args: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const fullIo: CliIo = { ...defaultIo, ...io };
  const ctx = new Ctx(
    fullIo,
    () => program.opts<{ host?: string }>().host,
    () => program.opts<TlsFlags>(),
  );
  const program = buildProgram(ctx);
  let active: Command = program;
  program.hook('preAction', (_self, actionCommand) => {
    active = actionCommand;
  });
  try {
    await program.parseAsync([...args], { from: 'user' });
    return 0;
  } catch (err) {
    return report(err, active, fullIo);
  }
}

function report(err: unknown, active: Command, io: CliIo): number {
  if (err instanceof CommanderError) return err.exitCode; // help or --version, already printed
  if (err instanceof UsageError) {
    const path = err.commandPath ?? commandPath(active);
    io.stderr(`tsswarm: ${err.message}\nSee 'tsswarm${path ? ' ' + path : ''} --help'.\n`);
    return EXIT_USAGE;
  }
  if (err instanceof CliError) {
    io.stderr(`tsswarm: ${err.message}\n`);
    return err.exitCode;
  }
  const msg = err instanceof Error ? err.message : String(err);
  io.stderr(`tsswarm: ${msg}\n`);
  if (io.env.TSSWARM_DEBUG && err instanceof Error && err.stack) io.stderr(err.stack + '\n');
  return EXIT_FAILURE;
}
