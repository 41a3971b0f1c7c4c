// The control loops only the leader runs. They share nothing but the store, so they are
// started together when this manager becomes leader and stopped together when it stops.
import type { Logger } from 'pino';
import { Autoscaler, type AutoscalerOptions } from '../autoscale/autoscaler.js';
import type { Store } from '../store/store.js';
import { Allocator } from './allocator/allocator.js';
import type { Dispatcher } from './dispatcher/dispatcher.js';
import { Orchestrator } from './orchestrator/orchestrator.js';
import { SchedulingLoop } from './scheduling.js';

interface Loop {
  run(): void;
  stop(): void;
}

export class LeaderDuties {
  private readonly loops: Loop[];
  private active = false;

  /** `autoscale`: run the autoscaler on the usage book the dispatcher fills. */
  constructor(store: Store, dispatcher: Dispatcher, log: Logger, autoscale?: AutoscalerOptions) {
    this.loops = [
      dispatcher,
      new Orchestrator(store, log.child({ c: 'orchestrator' })),
      new Allocator(store, log.child({ c: 'allocator' })),
      new SchedulingLoop(store, log.child({ c: 'scheduler' })),
      ...(autoscale ? [new Autoscaler(store, log.child({ c: 'autoscaler' }), autoscale)] : []),
    ];
  }

  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    for (const loop of this.loops) loop.run();
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    for (const loop of [...this.loops].reverse()) loop.stop();
  }
}
