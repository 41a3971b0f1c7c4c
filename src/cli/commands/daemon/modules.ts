// The daemon entry points the CLI starts. The real modules (src/manager/daemon.ts,
// src/worker/daemon.ts) are loaded lazily so that client commands never pay for gRPC,
// the store or the Docker executor.

// Type-only imports: they load nothing at run time.
export type { ManagerOptions, RunningManager } from '../../../manager/daemon.js';
export type { WorkerOptions, RunningWorker } from '../../../worker/daemon.js';
import type { ManagerOptions, RunningManager } from '../../../manager/daemon.js';
import type { WorkerOptions, RunningWorker } from '../../../worker/daemon.js';

export interface ManagerModule {
  runManager(opts: ManagerOptions): Promise<RunningManager>;
}

export interface WorkerModule {
  runWorker(opts: WorkerOptions): Promise<RunningWorker>;
}

export async function loadManagerModule(): Promise<ManagerModule> {
  const mod: ManagerModule = await import('../../../manager/daemon.js');
  return mod;
}

export async function loadWorkerModule(): Promise<WorkerModule> {
  const mod: WorkerModule = await import('../../../worker/daemon.js');
  return mod;
}
