// Node routes: list with filters, inspect, update (spec replaced), remove.
import { managerNodes, quorumLossReason } from '../../manager/membership/managers.js';
import { checkPromotion, isPendingPromotion, PromotionRefusedError } from '../../manager/membership/promotion.js';
import type { FastifyInstance } from 'fastify';
import type { Node, NodeSpec } from '../../store/objects.js';
import { requireLeader, type ApiContext } from '../context.js';
import { conflict, invalid, outOfSequence } from '../errors.js';
import { allLabelsMatch, matches, parseFilters, queryBool, queryVersion } from '../query.js';
import { resolveNode } from '../resolve.js';

const NODE_FILTERS = ['id', 'name', 'role', 'membership', 'label', 'node.label'] as const;

type IdParams = { Params: { id: string } };

function nodeNames(n: Node): string[] {
  return n.Spec.Name ? [n.Spec.Name, n.Description.Hostname] : [n.Description.Hostname];
}

/** Checks a NodeSpec body; Name and Labels default to the node's current ones if absent. */
export function validateNodeSpec(raw: unknown, current: NodeSpec): NodeSpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid('request body must be a JSON NodeSpec object');
  }
  const body = raw as Record<string, unknown>;
  const role = body.Role ?? current.Role;
  if (role !== 'worker' && role !== 'manager') {
    throw invalid(`NodeSpec.Role must be one of worker, manager, got ${JSON.stringify(role)}`);
  }
  const availability = body.Availability ?? current.Availability;
  if (availability !== 'active' && availability !== 'pause' && availability !== 'drain') {
    throw invalid(`NodeSpec.Availability must be one of active, pause, drain, got ${JSON.stringify(availability)}`);
  }
  const labels = body.Labels ?? {};
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    throw invalid('NodeSpec.Labels must be an object of strings');
  }
  for (const [k, v] of Object.entries(labels)) {
    if (typeof v !== 'string') throw invalid(`NodeSpec.Labels.${k} must be a string, got ${JSON.stringify(v)}`);
  }
  if (body.Name !== undefined && body.Name !== null && typeof body.Name !== 'string') {
    throw invalid('NodeSpec.Name must be a string');
  }
  const spec: NodeSpec = { Labels: labels as Record<string, string>, Role: role, Availability: availability };
  if (typeof body.Name === 'string' && body.Name !== '') spec.Name = body.Name;
  return spec;
}

export function registerNodeRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/nodes', async (req) => {
    const f = parseFilters(req.query, NODE_FILTERS);
    return ctx.store
      .all('nodes')
      .filter(
        (n) =>
          matches(f, 'id', (v) => n.ID.startsWith(v)) &&
          matches(f, 'name', (v) => nodeNames(n).some((name) => name.startsWith(v))) &&
          matches(f, 'role', (v) => n.Spec.Role === v) &&
          matches(f, 'membership', (v) => v === 'accepted') &&
          allLabelsMatch(f, 'label', n.Description.Engine.Labels) &&
          allLabelsMatch(f, 'node.label', n.Spec.Labels),
      )
      .sort((a, b) => a.CreatedAt.localeCompare(b.CreatedAt) || a.ID.localeCompare(b.ID));
  });

  app.get<IdParams>('/nodes/:id', async (req) => resolveNode(ctx.store, req.params.id, ctx.info.nodeId));

  app.post<IdParams>('/nodes/:id/update', async (req, reply) => {
    requireLeader(ctx);
    const version = queryVersion(req.query);
    const node = resolveNode(ctx.store, req.params.id, ctx.info.nodeId);
    if (node.Version.Index !== version) throw outOfSequence('node', req.params.id, version, node.Version.Index);
    const spec = validateNodeSpec(req.body, node.Spec);
    const demote = node.Spec.Role === 'manager' && spec.Role === 'worker';
    const promote = node.Spec.Role === 'worker' && spec.Role === 'manager';
    // Promotion only records the desired role: the dispatcher tells the worker, whose
    // replica asks to join once it listens (membership/promotion.ts, docs/design/membership.md).
    if (promote) {
      try {
        checkPromotion(node, ctx.store.all('nodes'));
      } catch (err) {
        if (err instanceof PromotionRefusedError) throw invalid(err.message);
        throw err;
      }
    }
    // A promotion not yet joined is cancelled: there is no Raft member to remove.
    if (demote && !isPendingPromotion(node)) {
      const reason = quorumLossReason(managerNodes(ctx.store), node.ID);
      if (reason) throw invalid(`cannot demote ${node.Description.Hostname}: ${reason}`);
      // Out of the Raft group first: a node that is no longer a voter cannot be counted on.
      await ctx.info.removeManager?.(node.ID);
    }
    await ctx.store.update((tx) => {
      const current = tx.get('nodes', node.ID);
      if (!current || current.Version.Index !== version) throw outOfSequence('node', req.params.id, version, current?.Version.Index ?? 0);
      tx.update('nodes', node.ID, (draft) => {
        draft.Spec = spec;
        if (demote) delete draft.ManagerStatus;
      });
    });
    return reply.code(200).send();
  });

  app.delete<IdParams>('/nodes/:id', async (req, reply) => {
    requireLeader(ctx);
    const force = queryBool(req.query, 'force');
    await ctx.store.update((tx) => {
      const node = resolveNode(tx, req.params.id, ctx.info.nodeId);
      if (node.Spec.Role === 'manager' || node.ManagerStatus) {
        throw conflict(
          `node ${req.params.id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`,
        );
      }
      if (!force && node.Status.State !== 'down' && node.Status.State !== 'unknown') {
        throw conflict(
          `node ${req.params.id} is not down and can't be removed (state ${node.Status.State}); stop it first or use --force`,
        );
      }
      tx.delete('nodes', node.ID);
    });
    return reply.code(200).send();
  });
}
