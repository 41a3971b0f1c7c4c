// Node helpers shared by the node verbs.

import type { Node } from '../../../store/objects.js';
import type { Ctx } from '../../context.js';
import { enc, getNode } from '../util.js';

export interface Info {
  ID?: string;
  Name?: string;
  ServerVersion?: string;
  OperatingSystem?: string;
  OSType?: string;
  Architecture?: string;
  NCPU?: number;
  MemTotal?: number;
  Swarm?: {
    NodeID?: string;
    NodeAddr?: string;
    LocalNodeState?: string;
    ControlAvailable?: boolean;
    Error?: string;
    RemoteManagers?: Array<{ NodeID: string; Addr: string }> | null;
    Nodes?: number;
    Managers?: number;
    Cluster?: { ID?: string };
  };
}

export function getInfo(ctx: Ctx): Promise<Info> {
  return ctx.client().get<Info>('/info');
}

/** The ID of the node serving the API (GET /info → Swarm.NodeID). */
export async function selfNodeId(ctx: Ctx): Promise<string | undefined> {
  return (await getInfo(ctx)).Swarm?.NodeID || undefined;
}

/** `self` means the node serving the API, as in docker. */
export async function resolveNodeRef(ctx: Ctx, ref: string): Promise<string> {
  if (ref !== 'self') return ref;
  const id = await selfNodeId(ctx);
  return id ?? ref;
}

/** GET the node, let `change` edit a copy of its spec, POST it back with the version. */
export async function updateNodeSpec(ctx: Ctx, ref: string, change: (spec: Node['Spec'], node: Node) => void): Promise<Node> {
  const node = await getNode(ctx, await resolveNodeRef(ctx, ref));
  const spec = structuredClone(node.Spec);
  change(spec, node);
  await ctx.client().post(`/nodes/${enc(node.ID)}/update`, spec, { version: node.Version.Index });
  return node;
}
