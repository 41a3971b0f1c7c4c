// System routes: /_ping (GET and HEAD), /version, /info, and the image-digest lookup the
// docker CLI makes before `service create` (answered with 501: tsswarm does not pin digests).
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Cluster } from '../../store/objects.js';
import type { ApiContext } from '../context.js';
import { notImplemented } from '../errors.js';
import { API_VERSION, MIN_API_VERSION } from '../version.js';

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
/** Default overlay address pool and VXLAN port, reported as Docker reports them. */
const DEFAULT_ADDR_POOL = ['10.0.0.0/8'];
const SUBNET_SIZE = 24;
const DATA_PATH_PORT = 4789;

export function arch(): string {
  return GO_ARCH[process.arch] ?? process.arch;
}

/** The cluster object in the shape of Docker's `ClusterInfo` (`/swarm`, `/info` Swarm.Cluster). */
export function clusterInfo(cluster: Cluster | undefined): Record<string, unknown> {
  const now = new Date(0).toISOString();
  return {
    ID: cluster?.ID ?? '',
    Version: cluster?.Version ?? { Index: 0 },
    CreatedAt: cluster?.CreatedAt ?? now,
    UpdatedAt: cluster?.UpdatedAt ?? now,
    Spec: cluster?.Spec ?? { Name: 'default' },
    TLSInfo: {},
    RootRotationInProgress: false,
    DataPathPort: DATA_PATH_PORT,
    DefaultAddrPool: DEFAULT_ADDR_POOL,
    SubnetSize: SUBNET_SIZE,
  };
}

export function registerSystemRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // Fastify derives HEAD /_ping from this route: same headers, empty body.
  app.get('/_ping', async (_req, reply) => {
    reply.headers({
      'Api-Version': API_VERSION,
      'Docker-Experimental': 'false',
      Swarm: 'active/manager',
      OSType: 'linux',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
    });
    reply.type('text/plain; charset=utf-8');
    return 'OK';
  });

  app.get('/version', async () => {
    const details = {
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GoVersion: `node ${process.version}`,
      GitCommit: '',
      BuildTime: '',
      Os: 'linux',
      Arch: arch(),
      KernelVersion: os.release(),
      Experimental: 'false',
    };
    return {
      Platform: { Name: `tsswarm ${ctx.info.version}` },
      Components: [{ Name: 'Engine', Version: ctx.info.version, Details: details }],
      Version: ctx.info.version,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: '',
      GoVersion: `node ${process.version}`,
      Os: 'linux',
      Arch: arch(),
      KernelVersion: os.release(),
      BuildTime: '',
    };
  });

  app.get('/info', async () => {
    const nodes = ctx.store.all('nodes');
    const managers = nodes.filter((n) => n.Spec.Role === 'manager');
    return {
      ID: ctx.info.nodeId,
      Containers: 0,
      ContainersRunning: 0,
      ContainersPaused: 0,
      ContainersStopped: 0,
      Images: 0,
      Name: ctx.info.hostname,
      ServerVersion: ctx.info.version,
      OperatingSystem: `tsswarm ${ctx.info.version}`,
      OSType: 'linux',
      Architecture: arch(),
      KernelVersion: os.release(),
      NCPU: os.cpus().length,
      MemTotal: os.totalmem(),
      Labels: [],
      Warnings: [],
      Swarm: {
        NodeID: ctx.info.nodeId,
        NodeAddr: ctx.info.clusterAddr,
        LocalNodeState: 'active',
        ControlAvailable: true,
        Error: '',
        RemoteManagers: managers.map((n) => ({ NodeID: n.ID, Addr: n.ManagerStatus?.Addr ?? n.Status.Addr })),
        Nodes: nodes.length,
        Managers: managers.length,
        Cluster: clusterInfo(ctx.store.get('clusters', 'cluster')),
      },
    };
  });

  app.get('/distribution/*', async () => {
    throw notImplemented('tsswarm does not query registries for image digests; each node pulls the image by its tag');
  });
}
