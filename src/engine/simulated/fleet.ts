// A SIMULATED fleet: N worker agents in one process, each with a SimulatedExecutor, each
// holding its own real gRPC session to the managers. For scale tests and benchmarks.
import type { Logger } from 'pino';
import { newId } from '../../common/ids.js';
import { Agent } from '../../worker/agent.js';
import { SimulatedExecutor, type SimulatedExecutorOptions } from './executor.js';

export interface FleetOptions {
  size: number;
  token: string;
  managerAddrs: string[];
  log: Logger;
  hostnamePrefix?: string;
  startDelayMs?: number;
  /** Node labels per node index, e.g. to spread over zones. */
  labels?: (i: number) => Record<string, string>;
  executor?: Omit<SimulatedExecutorOptions, 'hostname'>;
  /** Agents started at once while the fleet comes up. */
  concurrency?: number;
}

export interface SimulatedNode {
  nodeId: string;
  hostname: string;
  agent: Agent;
  executor: SimulatedExecutor;
}

export class SimulatedFleet {
  private constructor(readonly nodes: SimulatedNode[]) {}

  static async start(o: FleetOptions): Promise<SimulatedFleet> {
    const nodes: SimulatedNode[] = [];
    const fleet = new SimulatedFleet(nodes);
    const concurrency = o.concurrency ?? 200;
    try {
      for (let first = 0; first < o.size; first += concurrency) {
        const batch = [];
        for (let i = first; i < Math.min(o.size, first + concurrency); i++) {
          const hostname = `${o.hostnamePrefix ?? 'sim'}-${i + 1}`;
          const executor = new SimulatedExecutor({ ...o.executor, hostname, startDelayMs: o.startDelayMs ?? 0 });
          const nodeId = newId();
          const agent = new Agent({
            nodeId,
            token: o.token,
            managerAddrs: o.managerAddrs,
            description: await executor.describe(),
            ...(o.labels ? { nodeLabels: o.labels(i) } : {}),
            executor,
            log: o.log,
            firstConnectTimeoutMs: 60_000,
          });
          nodes.push({ nodeId, hostname, agent, executor });
          batch.push(agent.start());
        }
        await Promise.all(batch);
      }
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  runningTasks(): number {
    let n = 0;
    for (const node of this.nodes) n += node.executor.runningTaskIds().length;
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.agent.stop()));
  }
}
