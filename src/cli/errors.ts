// Errors the CLI reports to the user, and the exit codes it documents.
//
// Exit codes:
//   0    success
//   1    the request failed (API error, manager unreachable, convergence timed out, …)
//   2    usage error: bad flag value, missing argument, unknown option (nothing was sent)
//   130  stopped by a second SIGINT while shutting down a foreground daemon (128 + 2)
//   143  stopped by a second SIGTERM while shutting down a foreground daemon (128 + 15)

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;

/** Thrown when a command fails; the message is printed once as `tsswarm: <message>`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options?.exitCode ?? EXIT_FAILURE;
  }
}

/**
 * Thrown when the command line itself is wrong. Nothing has been sent to the manager.
 * `commandPath` ("service create") selects the usage hint; when absent, the command
 * being run fills it in.
 */
export class UsageError extends CliError {
  commandPath: string | undefined;
  constructor(message: string, commandPath?: string) {
    super(message, { exitCode: EXIT_USAGE });
    this.name = 'UsageError';
    this.commandPath = commandPath;
  }
}

/** `invalid argument "-1" for "--replicas" flag: must be a non-negative integer` */
export function invalidFlag(flag: string, value: string, reason: string): UsageError {
  return new UsageError(`invalid argument "${value}" for "${flag}" flag: ${reason}`);
}
