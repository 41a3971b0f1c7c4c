// A benchmark's teardown: run once however many times it is asked for (normal end, failure,
// a signal), and on SIGINT/SIGTERM run it, then `last` (print partial results), then exit 130.
export interface Teardown {
  (): Promise<void>;
  /** True once the teardown has begun: measuring loops stop. */
  readonly started: boolean;
}

export function teardownOnce(fn: () => Promise<void>): Teardown {
  let running: Promise<void> | undefined;
  const run = (): Promise<void> => (running ??= fn());
  return Object.defineProperty(run, 'started', { get: () => running !== undefined }) as Teardown;
}

export function teardownOnSignals(teardown: () => Promise<void>, log: (line: string) => void, last: () => void = () => {}): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`${sig}: cleaning up`);
      void teardown().finally(() => {
        last();
        process.exit(130);
      });
    });
  }
}
