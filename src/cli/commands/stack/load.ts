// `stack deploy`: read the compose files, parse, merge and convert them, and normalize the
// specs as the manager will. Everything that can be wrong with the input fails here,
// before the first request.

import { readFileSync } from 'node:fs';
import { validateServiceSpec } from '../../../api/validate-spec.js';
import { convertStack, mergeStacks, parseStackFile, type ConvertedStack, type StackModel } from '../../../stack/index.js';
import type { ServiceSpec } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';

function readStackFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new CliError(`open ${file}: ${why}`, { cause: err });
  }
}

/** The manager's own defaults (src/api/validate-spec.ts), so unchanged specs compare equal. */
export function normalizeSpec(spec: ServiceSpec): ServiceSpec {
  try {
    return validateServiceSpec(spec);
  } catch (err) {
    throw new CliError(`service ${spec.Name}: ${(err as Error).message}`, { cause: err });
  }
}

/** `-c -`: the compose file comes on standard input (as with docker). */
const STDIN = '-';

async function readStdin(ctx: Ctx): Promise<string> {
  if (ctx.io.stdin === undefined) throw new CliError('--compose-file -: there is no standard input to read');
  return ctx.io.stdin();
}

/** Reads, checks and converts; prints what the files asked for that is ignored. */
export async function loadStack(ctx: Ctx, stack: string, files: readonly string[]): Promise<ConvertedStack> {
  if (files.filter((f) => f === STDIN).length > 1) throw new CliError('--compose-file -: standard input can be read only once');
  const models: StackModel[] = [];
  const ignored: string[] = [];
  for (const given of files) {
    const file = given === STDIN ? '(stdin)' : given;
    const text = given === STDIN ? await readStdin(ctx) : readStackFile(given);
    const parsed = parseStackFile(text, { file, env: ctx.io.env });
    models.push(parsed.model);
    ignored.push(...parsed.ignored.filter((p) => !ignored.includes(p)));
    for (const w of parsed.warnings) ctx.io.stderr(`warning: ${file}: ${w}\n`);
  }
  if (ignored.length > 0) ctx.io.stderr(`Ignoring unsupported options: ${ignored.join(', ')}\n\n`);
  const converted = convertStack(stack, mergeStacks(models));
  for (const spec of converted.services) normalizeSpec(spec);
  return converted;
}
