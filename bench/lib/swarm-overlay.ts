// Two Docker Swarm tasks on one Swarm overlay network, one on each of two bed hosts, for
// measuring Swarm's overlay data path beside tsswarm's (bench/overlay-throughput.ts).
//
// Layout: a swarm of the bed's engines (bench/lib/bed-swarm.ts), the first host the only manager
// (drained, as tsswarm's manager is in BedCluster), the two measured hosts workers. A 2-replica
// service with endpoint mode dnsrr (no VIP: this kernel has no IPVS), at most one replica per
// node and only on workers, so one task lands on each worker host. The bed's engines all report
// the machine's hostname (hosts are network namespaces only), so node.hostname cannot tell them
// apart; role plus max-per-node does. Measurements address the tasks by their overlay IPs.
import type { Bed } from '../../test/harness/bed.js';
import { poll } from './stats.js';
import { checkedDocker, swarmLeave, swarmUp } from './bed-swarm.js';

export interface SwarmOverlayOptions {
  manager: number;
  /** The two hosts that get one task each. */
  workers: [number, number];
  image: string;
  /** Swarm's cluster port: not 2377 when tsswarm's manager listens there on the same host. */
  port: number;
  /** Swarm's VXLAN port: not 4789 when tsswarm's overlay uses it on the same hosts. */
  dataPathPort: number;
  /** Address pool of the swarm (ingress and the measured network), away from tsswarm's subnets. */
  addrPool: string;
  network?: string;
  service?: string;
}

export interface SwarmTask {
  host: number;
  containerId: string;
  /** The container's init pid: `nsenter -t PID -n` enters its netns. */
  pid: string;
  /** Its address on the Swarm overlay network. */
  ip: string;
}

export class SwarmOverlay {
  private hosts: number[] = [];
  readonly network: string;
  readonly service: string;

  constructor(
    private readonly bed: Bed,
    private readonly o: SwarmOverlayOptions,
  ) {
    this.network = o.network ?? 'tsbench-swarm';
    this.service = o.service ?? 'tsbench-peer';
  }

  /** Builds the swarm, network and service; returns the task on each worker (in `workers` order). */
  async up(): Promise<[SwarmTask, SwarmTask]> {
    const { manager, workers } = this.o;
    this.hosts = [...workers, manager]; // left in this order: workers first
    const ids = await swarmUp(this.bed, { managers: [manager], workers, port: this.o.port, dataPathPort: this.o.dataPathPort, defaultAddrPool: this.o.addrPool });
    const d = (args: string[]): Promise<string> => checkedDocker(this.bed, manager, args);
    await d(['node', 'update', '--availability', 'drain', ids.get(manager) ?? '']);
    await d(['network', 'create', '--driver', 'overlay', this.network]);
    await d([
      'service', 'create', '--detach', '--name', this.service,
      '--replicas', '2', '--replicas-max-per-node', '1', '--constraint', 'node.role==worker',
      '--network', this.network, '--endpoint-mode', 'dnsrr',
      '--no-resolve-image', '--stop-grace-period', '1s', '--restart-condition', 'none',
      this.o.image, 'sleep', '3600',
    ]);
    try {
      const a = await this.taskOn(workers[0]);
      const b = await this.taskOn(workers[1]);
      return [a, b];
    } catch (err) {
      const ps = await this.bed.docker(manager, ['service', 'ps', '--no-trunc', '--format', '{{.Node}} {{.CurrentState}} {{.Error}}', this.service]);
      throw new Error(`${String(err)}; Swarm tasks: ${ps.stdout.trim().replace(/\n/g, '; ')}`, { cause: err });
    }
  }

  /** Waits (60 s at most) for the service's one running container on `host`. */
  private taskOn(host: number): Promise<SwarmTask> {
    return poll(
      `the ${this.service} task on host ${host}`,
      async () => {
        const ids = (await checkedDocker(this.bed, host, ['ps', '-q', '--no-trunc', '--filter', `label=com.docker.swarm.service.name=${this.service}`])).split('\n').filter(Boolean);
        if (ids.length !== 1) return undefined;
        const containerId = ids[0] as string;
        const fmt = `{{.State.Pid}} {{with index .NetworkSettings.Networks "${this.network}"}}{{.IPAddress}}{{end}}`;
        const [pid = '', ip = ''] = (await checkedDocker(this.bed, host, ['inspect', '-f', fmt, containerId])).split(' ');
        if (!/^\d+$/.test(pid) || pid === '0' || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) return undefined;
        return { host, containerId, pid, ip };
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  }

  /** `docker swarm leave --force` on every host it joined (workers first); errors are returned. */
  async down(): Promise<string[]> {
    const hosts = this.hosts;
    this.hosts = [];
    return hosts.length ? swarmLeave(this.bed, hosts) : [];
  }
}
