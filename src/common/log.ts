// One pino root logger per process; components take a child with their name.
import pino, { type Logger } from 'pino';

export function createLogger(opts: { name: string; level?: string; file?: string }): Logger {
  const level = opts.level ?? process.env.TSSWARM_LOG_LEVEL ?? 'info';
  if (opts.file) return pino({ name: opts.name, level }, pino.destination({ dest: opts.file, sync: false, mkdir: true }));
  return pino({ name: opts.name, level }, pino.destination(2));
}

/** For tests and library callers that do not want output. */
export const silentLogger: Logger = pino({ level: 'silent' });
