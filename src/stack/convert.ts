// convertStack: the compose model → the networks and services of stack STACK, named and
// labelled as the docker CLI does it (`web` in stack `demo` → service `demo_web`, labels
// com.docker.stack.namespace=demo on services, containers and networks, the image under
// com.docker.stack.image). Services that name no network join STACK_default. Pure.

import type { NetworkCreateRequest } from '../manager/allocator/networks.js';
import { MIN_AVAILABLE_LABEL } from '../manager/orchestrator/budget.js';
import type { NetworkAttachmentConfig, ServiceSpec, TaskSpec } from '../store/objects.js';
import { StackFileError } from './errors.js';
import type { ComposeNetwork, ComposeService, StackModel } from './model.js';

export const NAMESPACE_LABEL = 'com.docker.stack.namespace';
export const IMAGE_LABEL = 'com.docker.stack.image';
export const DEFAULT_NETWORK = 'default';

/** Longest service or network name the manager accepts. */
const NAME_MAX = 63;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export interface ConvertedStack {
  /** Networks the stack creates (and `stack rm` removes), in name order. */
  networks: NetworkCreateRequest[];
  /** Names of `external: true` networks the services use: they must exist already. */
  externalNetworks: string[];
  /** One spec per service, in name order. */
  services: ServiceSpec[];
}

/** The stack name must make valid object names (`STACK_service`). */
export function validateStackName(stack: string): void {
  if (!NAME_RE.test(stack) || stack.length > NAME_MAX - 2) {
    throw new StackFileError(
      'invalid_stack_name',
      `invalid stack name ${JSON.stringify(stack)}: use at most ${NAME_MAX - 2} letters, digits, '_', '.' and '-', starting with a letter or digit`,
    );
  }
}

/** `demo` + `web` → `demo_web` */
export function scopedName(stack: string, name: string): string {
  return `${stack}_${name}`;
}

function checkName(kind: 'service' | 'network', name: string, path: string): void {
  if (name.length > NAME_MAX) {
    throw new StackFileError('invalid_value', `${kind} name "${name}" is ${name.length} characters long; the most is ${NAME_MAX} (shorten the stack or ${kind} name)`, { path });
  }
  if (!NAME_RE.test(name)) {
    throw new StackFileError('invalid_value', `invalid ${kind} name "${name}": use letters, digits, '_', '.' and '-', starting with a letter or digit`, { path });
  }
}

function networkName(stack: string, key: string, net: ComposeNetwork): string {
  return net.name ?? (net.external ? key : scopedName(stack, key));
}

function networkRequest(stack: string, key: string, net: ComposeNetwork): NetworkCreateRequest {
  const req: NetworkCreateRequest = {
    Name: networkName(stack, key, net),
    Driver: 'overlay',
    Attachable: net.attachable ?? false,
    Internal: net.internal ?? false,
    Labels: { ...net.labels, [NAMESPACE_LABEL]: stack },
  };
  if (net.subnet !== undefined) {
    req.IPAM = { Driver: 'default', Config: [{ Subnet: net.subnet, ...(net.gateway === undefined ? {} : { Gateway: net.gateway }) }] };
  }
  return req;
}

function taskTemplate(stack: string, key: string, svc: ComposeService, attachments: NetworkAttachmentConfig[]): TaskSpec {
  const path = `services.${key}`;
  if (svc.image === undefined) throw new StackFileError('invalid_value', 'image is required', { path: `${path}.image` });
  const d = svc.deploy ?? {};
  const task: TaskSpec = {
    ContainerSpec: { Image: svc.image, Labels: { ...svc.labels, [NAMESPACE_LABEL]: stack } },
  };
  const cs = task.ContainerSpec;
  if (svc.entrypoint !== undefined) cs.Command = [...svc.entrypoint];
  if (svc.command !== undefined) cs.Args = [...svc.command];
  if (svc.hostname !== undefined) cs.Hostname = svc.hostname;
  const env = Object.entries(svc.environment ?? {}).map(([k, v]) => `${k}=${v}`);
  if (env.length > 0) cs.Env = env.sort();
  if (svc.workingDir !== undefined) cs.Dir = svc.workingDir;
  if (svc.user !== undefined) cs.User = svc.user;
  if (svc.stopGracePeriod !== undefined) cs.StopGracePeriod = svc.stopGracePeriod;
  if (d.resources) task.Resources = structuredClone(d.resources);
  if (d.restartPolicy) task.RestartPolicy = { ...d.restartPolicy };
  if (d.placement && Object.keys(d.placement).length > 0) task.Placement = structuredClone(d.placement);
  task.Networks = attachments;
  return task;
}

function serviceSpec(stack: string, key: string, svc: ComposeService, attachments: NetworkAttachmentConfig[]): ServiceSpec {
  const path = `services.${key}`;
  const name = scopedName(stack, key);
  checkName('service', name, path);
  const d = svc.deploy ?? {};
  const task = taskTemplate(stack, key, svc, attachments);
  const labels: Record<string, string> = { ...d.labels, [NAMESPACE_LABEL]: stack, [IMAGE_LABEL]: task.ContainerSpec.Image };
  if (svc.minAvailable !== undefined) labels[MIN_AVAILABLE_LABEL] = svc.minAvailable;
  const spec: ServiceSpec = {
    Name: name,
    Labels: labels,
    TaskTemplate: task,
    Mode: d.mode === 'global' ? { Global: {} } : { Replicated: { Replicas: d.replicas ?? 1 } },
  };
  if (d.updateConfig) spec.UpdateConfig = { ...d.updateConfig };
  if (d.rollbackConfig) spec.RollbackConfig = { ...d.rollbackConfig };
  const ports = svc.ports ?? [];
  if (d.endpointMode === 'dnsrr' && ports.some((p) => p.PublishMode === 'ingress' && p.PublishedPort)) {
    throw new StackFileError('invalid_value', 'endpoint_mode dnsrr cannot be used with ports published through the routing mesh (use mode: host)', {
      path: `${path}.deploy.endpoint_mode`,
    });
  }
  spec.EndpointSpec = { Mode: d.endpointMode ?? 'vip', ...(ports.length > 0 ? { Ports: ports.map((p) => ({ ...p })) } : {}) };
  return spec;
}

export function convertStack(stack: string, model: StackModel): ConvertedStack {
  validateStackName(stack);
  const used = new Map<string, ComposeNetwork>();
  const services: ServiceSpec[] = [];
  for (const key of Object.keys(model.services).sort()) {
    const svc = model.services[key] as ComposeService;
    const nets = svc.networks && Object.keys(svc.networks).length > 0 ? svc.networks : { [DEFAULT_NETWORK]: {} };
    const attachments: NetworkAttachmentConfig[] = [];
    for (const [netKey, opts] of Object.entries(nets)) {
      const declared = model.networks[netKey];
      if (!declared && netKey !== DEFAULT_NETWORK) {
        throw new StackFileError('undefined_network', `service "${key}" refers to network "${netKey}", which is not declared in the top-level networks section`, {
          path: `services.${key}.networks`,
        });
      }
      const net = declared ?? {};
      used.set(netKey, net);
      attachments.push({ Target: networkName(stack, netKey, net), Aliases: [key, ...(opts.aliases ?? [])] });
    }
    attachments.sort((a, b) => a.Target.localeCompare(b.Target));
    services.push(serviceSpec(stack, key, svc, attachments));
  }
  const networks: NetworkCreateRequest[] = [];
  const externalNetworks: string[] = [];
  for (const [key, net] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
    if (net.external) {
      externalNetworks.push(networkName(stack, key, net));
      continue;
    }
    const req = networkRequest(stack, key, net);
    checkName('network', req.Name, `networks.${key}`);
    networks.push(req);
  }
  return { networks, externalNetworks, services };
}
