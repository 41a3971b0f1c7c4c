// Non-durable backend for unit tests and the simulated-scale harness.
import { StoreClosedError } from './errors.js';
import type { Batch } from './state.js';
import type { ApplySink, StoreBackend } from './store.js';

export class MemoryBackend implements StoreBackend {
  private sink?: ApplySink;

  async open(sink: ApplySink): Promise<void> {
    this.sink = sink;
  }

  async commit(batch: Batch): Promise<void> {
    if (!this.sink) throw new StoreClosedError();
    this.sink.apply(batch);
  }

  async close(): Promise<void> {
    this.sink = undefined;
  }
}
