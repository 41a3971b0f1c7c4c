// ServiceSpec validation and normalization. Messages name the offending field by its path
// in the spec (`Spec.Mode.Replicated.Replicas`), so a raw API client knows what to fix.
// Fields tsswarm does not know are kept as sent (the docker CLI sends many).
import { AutoscalePolicyError, policyOfSpec } from '../autoscale/policy.js';
import { aliasProblem } from '../dns/names.js';
import { MIN_AVAILABLE_LABEL, parseMinAvailable } from '../manager/orchestrator/budget.js';
import type { PortConfig, ServiceSpec } from '../store/objects.js';
import { invalid } from './errors.js';

/** Docker-style service names: a DNS label-ish token. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const NAME_MAX = 63;
/** `key==value` or `key!=value`, e.g. `node.role==manager`, `node.labels.zone!=a`. */
const CONSTRAINT_RE = /^\s*[A-Za-z0-9_.-]+\s*(==|!=)\s*\S.*$/;
const MODES = ['Replicated', 'Global', 'ReplicatedJob', 'GlobalJob'] as const;
/** Default restart delay: 5 s in nanoseconds, as swarmkit. */
const DEFAULT_RESTART_DELAY_NS = 5_000_000_000;

type Obj = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function obj(v: unknown, path: string, required = false): Obj | undefined {
  if (v === undefined || v === null) {
    if (required) throw invalid(`${path} is required`);
    return undefined;
  }
  if (!isObj(v)) throw invalid(`${path} must be an object, got ${describe(v)}`);
  return v;
}

function int(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${path} must be an integer, got ${describe(v)}`);
  if (v < min || v > max) {
    throw invalid(`${path} must be ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`}, got ${v}`);
  }
  return v;
}

function str(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${path} must be a string, got ${describe(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T | undefined {
  const s = str(v, path);
  if (s === undefined || s === '') return undefined;
  if (!(allowed as readonly string[]).includes(s)) {
    throw invalid(`${path} must be one of ${allowed.join(', ')}, got ${JSON.stringify(s)}`);
  }
  return s as T;
}

function strings(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(`${path} must be a list of strings, got ${describe(v)}`);
  v.forEach((s, i) => str(s, `${path}[${i}]`));
  return v as string[];
}

function labels(v: unknown, path: string): void {
  const o = obj(v, path);
  if (!o) return;
  for (const [k, val] of Object.entries(o)) str(val, `${path}.${k}`);
}

/** Checks `raw` as a ServiceSpec and returns a normalized copy with tsswarm's defaults. */
export function validateServiceSpec(raw: unknown): ServiceSpec {
  if (!isObj(raw)) throw invalid(`request body must be a JSON ServiceSpec object, got ${describe(raw)}`);
  const spec = structuredClone(raw);

  const name = str(spec.Name, 'Spec.Name');
  if (!name) throw invalid('Spec.Name is required');
  if (name.length > NAME_MAX || !NAME_RE.test(name)) {
    throw invalid(
      `Spec.Name ${JSON.stringify(name)} is invalid: use at most ${NAME_MAX} letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  labels(spec.Labels, 'Spec.Labels');
  const minAvailable = (spec.Labels as Record<string, unknown> | undefined)?.[MIN_AVAILABLE_LABEL];
  if (typeof minAvailable === 'string') {
    try {
      parseMinAvailable(minAvailable);
    } catch (err) {
      throw invalid(`Spec.Labels["${MIN_AVAILABLE_LABEL}"]: ${(err as Error).message}`);
    }
  }
  checkTaskTemplate(spec);
  checkMode(spec);
  checkAutoscale(spec);
  checkEndpoint(spec);
  for (const key of ['UpdateConfig', 'RollbackConfig'] as const) {
    const c = obj(spec[key], `Spec.${key}`);
    if (!c) continue;
    int(c.Parallelism, `Spec.${key}.Parallelism`, 0);
    int(c.Delay, `Spec.${key}.Delay`, 0);
    int(c.Monitor, `Spec.${key}.Monitor`, 0);
    oneOf(c.FailureAction, `Spec.${key}.FailureAction`, ['continue', 'pause', 'rollback']);
    oneOf(c.Order, `Spec.${key}.Order`, ['stop-first', 'start-first']);
  }
  return spec as unknown as ServiceSpec;
}

/** The tsswarm.autoscale.* labels must form a whole, valid policy, on a replicated service. */
function checkAutoscale(spec: Obj): void {
  try {
    policyOfSpec(spec as unknown as ServiceSpec);
  } catch (err) {
    if (!(err instanceof AutoscalePolicyError)) throw err;
    throw invalid(`Spec.Labels["${err.label}"]: ${err.problem}`);
  }
}

function checkTaskTemplate(spec: Obj): void {
  const tt = obj(spec.TaskTemplate, 'Spec.TaskTemplate', true) as Obj;
  const cs = obj(tt.ContainerSpec, 'Spec.TaskTemplate.ContainerSpec', true) as Obj;
  const image = str(cs.Image, 'Spec.TaskTemplate.ContainerSpec.Image');
  if (!image || image.trim() === '') throw invalid('Spec.TaskTemplate.ContainerSpec.Image is required');
  strings(cs.Command, 'Spec.TaskTemplate.ContainerSpec.Command');
  strings(cs.Args, 'Spec.TaskTemplate.ContainerSpec.Args');
  labels(cs.Labels, 'Spec.TaskTemplate.ContainerSpec.Labels');
  int(cs.StopGracePeriod, 'Spec.TaskTemplate.ContainerSpec.StopGracePeriod', 0);
  (strings(cs.Env, 'Spec.TaskTemplate.ContainerSpec.Env') ?? []).forEach((e, i) => {
    if (e === '' || e.startsWith('=')) {
      throw invalid(`Spec.TaskTemplate.ContainerSpec.Env[${i}] ${JSON.stringify(e)} is invalid: expected KEY=value`);
    }
  });

  const rp = obj(tt.RestartPolicy, 'Spec.TaskTemplate.RestartPolicy') ?? {};
  rp.Condition = oneOf(rp.Condition, 'Spec.TaskTemplate.RestartPolicy.Condition', ['none', 'on-failure', 'any']) ?? 'any';
  rp.Delay = int(rp.Delay, 'Spec.TaskTemplate.RestartPolicy.Delay', 0) ?? DEFAULT_RESTART_DELAY_NS;
  int(rp.MaxAttempts, 'Spec.TaskTemplate.RestartPolicy.MaxAttempts', 0);
  int(rp.Window, 'Spec.TaskTemplate.RestartPolicy.Window', 0);
  tt.RestartPolicy = rp;

  const res = obj(tt.Resources, 'Spec.TaskTemplate.Resources');
  for (const part of ['Limits', 'Reservations'] as const) {
    const r = obj(res?.[part], `Spec.TaskTemplate.Resources.${part}`);
    int(r?.NanoCPUs, `Spec.TaskTemplate.Resources.${part}.NanoCPUs`, 0);
    int(r?.MemoryBytes, `Spec.TaskTemplate.Resources.${part}.MemoryBytes`, 0);
  }

  if (tt.Networks !== undefined && tt.Networks !== null) {
    if (!Array.isArray(tt.Networks)) throw invalid(`Spec.TaskTemplate.Networks must be a list, got ${describe(tt.Networks)}`);
    tt.Networks.forEach((n: unknown, i: number) => {
      const att = obj(n, `Spec.TaskTemplate.Networks[${i}]`, true) as Obj;
      if (!str(att.Target, `Spec.TaskTemplate.Networks[${i}].Target`)) {
        throw invalid(`Spec.TaskTemplate.Networks[${i}].Target is required (a network ID or name)`);
      }
      (strings(att.Aliases, `Spec.TaskTemplate.Networks[${i}].Aliases`) ?? []).forEach((a, j) => {
        const problem = aliasProblem(a);
        if (problem) throw invalid(`Spec.TaskTemplate.Networks[${i}].Aliases[${j}] ${JSON.stringify(a)} is not a valid DNS alias: it ${problem}`);
      });
    });
  }

  const placement = obj(tt.Placement, 'Spec.TaskTemplate.Placement');
  int(placement?.MaxReplicas, 'Spec.TaskTemplate.Placement.MaxReplicas', 0);
  (strings(placement?.Constraints, 'Spec.TaskTemplate.Placement.Constraints') ?? []).forEach((c, i) => {
    if (!CONSTRAINT_RE.test(c)) {
      throw invalid(
        `Spec.TaskTemplate.Placement.Constraints[${i}] ${JSON.stringify(c)} is invalid: expected key==value or key!=value`,
      );
    }
  });
}

function checkMode(spec: Obj): void {
  const mode = obj(spec.Mode, 'Spec.Mode');
  if (!mode || Object.keys(mode).length === 0) {
    spec.Mode = { Replicated: { Replicas: 1 } };
    return;
  }
  const set = MODES.filter((m) => mode[m] !== undefined && mode[m] !== null);
  const unknown = Object.keys(mode).filter((k) => !(MODES as readonly string[]).includes(k));
  if (unknown.length > 0) throw invalid(`Spec.Mode.${unknown[0]} is not a service mode (use one of ${MODES.join(', ')})`);
  if (set.length !== 1) throw invalid(`Spec.Mode must set exactly one of ${MODES.join(', ')}, got ${set.length}`);
  const rep = obj(mode.Replicated, 'Spec.Mode.Replicated');
  if (rep) rep.Replicas = int(rep.Replicas, 'Spec.Mode.Replicated.Replicas', 0) ?? 1;
  const job = obj(mode.ReplicatedJob, 'Spec.Mode.ReplicatedJob');
  if (job) {
    int(job.MaxConcurrent, 'Spec.Mode.ReplicatedJob.MaxConcurrent', 0);
    int(job.TotalCompletions, 'Spec.Mode.ReplicatedJob.TotalCompletions', 0);
  }
  obj(mode.Global, 'Spec.Mode.Global');
  obj(mode.GlobalJob, 'Spec.Mode.GlobalJob');
}

function checkEndpoint(spec: Obj): void {
  const ep = obj(spec.EndpointSpec, 'Spec.EndpointSpec') ?? {};
  ep.Mode = oneOf(ep.Mode, 'Spec.EndpointSpec.Mode', ['vip', 'dnsrr']) ?? 'vip';
  spec.EndpointSpec = ep;
  if (ep.Ports === undefined || ep.Ports === null) return;
  if (!Array.isArray(ep.Ports)) throw invalid(`Spec.EndpointSpec.Ports must be a list, got ${describe(ep.Ports)}`);
  const seen = new Set<string>();
  ep.Ports = ep.Ports.map((p: unknown, i: number): PortConfig => {
    const path = `Spec.EndpointSpec.Ports[${i}]`;
    const port = obj(p, path, true) as Obj;
    const target = int(port.TargetPort, `${path}.TargetPort`, 1, 65535);
    if (target === undefined) throw invalid(`${path}.TargetPort is required`);
    const published = int(port.PublishedPort, `${path}.PublishedPort`, 0, 65535);
    const protocol = oneOf(port.Protocol, `${path}.Protocol`, ['tcp', 'udp', 'sctp'] as const) ?? 'tcp';
    const mode = oneOf(port.PublishMode, `${path}.PublishMode`, ['ingress', 'host'] as const) ?? 'ingress';
    if (mode === 'ingress' && ep.Mode === 'dnsrr' && published) {
      throw invalid(`${path}: port published with ingress mode can't be used with dnsrr mode (use PublishMode host)`);
    }
    if (published) {
      const key = `${published}/${protocol}`;
      if (seen.has(key)) throw invalid(`${path}: published port ${key} is used more than once in the spec`);
      seen.add(key);
    }
    const out: PortConfig = { ...(port as object), Protocol: protocol, TargetPort: target, PublishMode: mode };
    if (published) out.PublishedPort = published;
    else delete out.PublishedPort;
    return out;
  });
}
