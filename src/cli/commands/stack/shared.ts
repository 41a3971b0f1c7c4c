// Helpers shared by the stack verbs: the namespace filter and the stack's objects.

import type { Service } from '../../../store/objects.js';
import { NAMESPACE_LABEL } from '../../../stack/index.js';
import { filters } from '../../client.js';
import type { Ctx } from '../../context.js';

/** A network as GET /networks lists it (Docker's shape). */
export interface ApiNetwork {
  Id: string;
  Name: string;
  Labels?: Record<string, string>;
}

/** `{"label":["com.docker.stack.namespace=STACK"]}` plus any extra filters. */
export function stackFilters(stack: string, extra: Record<string, string[]> = {}): string {
  return filters({ ...extra, label: [...(extra.label ?? []), `${NAMESPACE_LABEL}=${stack}`] });
}

export function stackServices(ctx: Ctx, stack: string): Promise<Service[]> {
  return ctx.client().get<Service[]>('/services', { filters: stackFilters(stack) });
}

export function stackNetworks(ctx: Ctx, stack: string): Promise<ApiNetwork[]> {
  return ctx.client().get<ApiNetwork[]>('/networks', { filters: stackFilters(stack) });
}

export function inStack(labels: Record<string, string> | undefined, stack: string): boolean {
  return labels?.[NAMESPACE_LABEL] === stack;
}
