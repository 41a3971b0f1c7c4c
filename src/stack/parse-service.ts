// One compose service (`services.NAME`) and its `deploy` section → the typed model.

import { parseMinAvailable } from '../manager/orchestrator/budget.js';
import { parseBytes, parseConstraint, parseCpus, parseDuration } from '../cli/parse/values.js';
import type { Placement, ResourceRequirements, RestartPolicy, UpdateConfig } from '../store/objects.js';
import type { Env } from './interpolate.js';
import type { ComposeDeploy, ComposeService, ServiceNetwork } from './model.js';
import { readPorts } from './ports.js';
import { describe, type Obj, type Path, type Reader } from './reader.js';
import { ShellWordsError, splitShellWords } from './shell-words.js';

const SERVICE_KEYS = [
  'image', 'command', 'entrypoint', 'environment', 'labels', 'ports', 'networks', 'deploy',
  'hostname', 'user', 'working_dir', 'stop_grace_period', 'x-tsswarm-min-available',
] as const;

/** Keys compose knows that `stack deploy` (Docker's and ours) ignores: a warning, not an error. */
const SERVICE_IGNORED = [
  'build', 'volumes', 'secrets', 'configs', 'depends_on', 'container_name', 'links', 'external_links',
  'restart', 'env_file', 'healthcheck', 'logging', 'cap_add', 'cap_drop', 'cgroup_parent', 'cgroupns_mode',
  'devices', 'dns', 'dns_search', 'dns_opt', 'domainname', 'expose', 'extra_hosts', 'init', 'ipc', 'isolation',
  'mac_address', 'network_mode', 'pid', 'privileged', 'read_only', 'security_opt', 'shm_size', 'stdin_open',
  'tty', 'sysctls', 'ulimits', 'userns_mode', 'tmpfs', 'stop_signal', 'credential_spec', 'platform',
  'profiles', 'pull_policy', 'scale', 'oom_score_adj', 'oom_kill_disable', 'mem_limit', 'cpus', 'labels_file',
];

const DEPLOY_KEYS = [
  'mode', 'replicas', 'labels', 'placement', 'resources', 'restart_policy', 'update_config',
  'rollback_config', 'endpoint_mode', 'x-min-available',
] as const;

function words(r: Reader, v: unknown, path: Path): string[] | undefined {
  if (typeof v === 'string') {
    try {
      return splitShellWords(v);
    } catch (err) {
      if (err instanceof ShellWordsError) r.fail(path, `${err.message} in ${describe(v)}`);
      throw err;
    }
  }
  return r.strings(v, path);
}

function duration(r: Reader, v: unknown, path: Path): number | undefined {
  const s = r.str(v, path);
  return s === undefined ? undefined : r.parse(s, path, parseDuration);
}

function minAvailable(r: Reader, v: unknown, path: Path): string | undefined {
  const s = r.str(v, path);
  if (s === undefined) return undefined;
  try {
    parseMinAvailable(s);
  } catch {
    r.fail(path, `expected a non-negative integer or a percentage like 50%, got ${describe(s)}`);
  }
  return s.trim();
}

function networks(r: Reader, v: unknown, path: Path): Record<string, ServiceNetwork> | undefined {
  if (v === undefined || v === null) return undefined;
  const out: Record<string, ServiceNetwork> = {};
  if (Array.isArray(v)) {
    v.forEach((n, i) => {
      const name = r.str(n, [...path, i]);
      if (!name) r.fail([...path, i], `expected a network name, got ${describe(n)}`);
      out[name] = {};
    });
    return out;
  }
  for (const [name, opts] of Object.entries(r.map(v, path) as Obj)) {
    const o = r.map(opts, [...path, name], { known: ['aliases'], ignored: ['ipv4_address', 'ipv6_address', 'priority', 'link_local_ips', 'driver_opts'] });
    const aliases = r.strings(o?.aliases, [...path, name, 'aliases']);
    out[name] = aliases ? { aliases } : {};
  }
  return out;
}

function resources(r: Reader, v: unknown, path: Path): ResourceRequirements | undefined {
  const o = r.map(v, path, { known: ['limits', 'reservations'] });
  if (!o) return undefined;
  const out: ResourceRequirements = {};
  for (const [key, field, ignored] of [
    ['limits', 'Limits', ['pids']],
    ['reservations', 'Reservations', ['generic_resources', 'devices']],
  ] as const) {
    const part = r.map(o[key], [...path, key], { known: ['cpus', 'memory'], ignored });
    if (!part) continue;
    const res: { NanoCPUs?: number; MemoryBytes?: number } = {};
    const cpus = r.str(part.cpus, [...path, key, 'cpus']);
    if (cpus !== undefined) res.NanoCPUs = r.parse(cpus, [...path, key, 'cpus'], parseCpus);
    const mem = r.str(part.memory, [...path, key, 'memory']);
    if (mem !== undefined) res.MemoryBytes = r.parse(mem, [...path, key, 'memory'], parseBytes);
    if (Object.keys(res).length > 0) out[field] = res;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function restartPolicy(r: Reader, v: unknown, path: Path): RestartPolicy | undefined {
  const o = r.map(v, path, { known: ['condition', 'delay', 'max_attempts', 'window'] });
  if (!o) return undefined;
  const out: RestartPolicy = {};
  const condition = r.choice(o.condition, [...path, 'condition'], ['none', 'on-failure', 'any'] as const);
  if (condition !== undefined) out.Condition = condition;
  const delay = duration(r, o.delay, [...path, 'delay']);
  if (delay !== undefined) out.Delay = delay;
  const attempts = r.int(o.max_attempts, [...path, 'max_attempts']);
  if (attempts !== undefined) out.MaxAttempts = attempts;
  const window = duration(r, o.window, [...path, 'window']);
  if (window !== undefined) out.Window = window;
  return out;
}

function updateConfig(r: Reader, v: unknown, path: Path, rollback: boolean): UpdateConfig | undefined {
  const o = r.map(v, path, { known: ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order'] });
  if (!o) return undefined;
  const out: UpdateConfig = {};
  const parallelism = r.int(o.parallelism, [...path, 'parallelism']);
  if (parallelism !== undefined) out.Parallelism = parallelism;
  const delay = duration(r, o.delay, [...path, 'delay']);
  if (delay !== undefined) out.Delay = delay;
  const actions = rollback ? (['continue', 'pause'] as const) : (['continue', 'pause', 'rollback'] as const);
  const action = r.choice(o.failure_action, [...path, 'failure_action'], actions);
  if (action !== undefined) out.FailureAction = action;
  const monitor = duration(r, o.monitor, [...path, 'monitor']);
  if (monitor !== undefined) out.Monitor = monitor;
  const ratio = r.ratio(o.max_failure_ratio, [...path, 'max_failure_ratio']);
  if (ratio !== undefined) out.MaxFailureRatio = ratio;
  const order = r.choice(o.order, [...path, 'order'], ['stop-first', 'start-first'] as const);
  if (order !== undefined) out.Order = order;
  return out;
}

function placement(r: Reader, v: unknown, path: Path): Placement | undefined {
  const o = r.map(v, path, { known: ['constraints', 'preferences', 'max_replicas_per_node'] });
  if (!o) return undefined;
  const out: Placement = {};
  const constraints = r.strings(o.constraints, [...path, 'constraints']);
  if (constraints) out.Constraints = constraints.map((c, i) => r.parse(c, [...path, 'constraints', i], parseConstraint));
  const prefs = r.list(o.preferences, [...path, 'preferences']);
  if (prefs) {
    out.Preferences = prefs.map((p, i) => {
      const pp = [...path, 'preferences', i];
      const spread = r.str(r.map(p, pp, { known: ['spread'] })?.spread, [...pp, 'spread']);
      if (!spread) r.fail(pp, 'expected a preference like {spread: node.labels.zone}');
      return { Spread: { SpreadDescriptor: spread } };
    });
  }
  const max = r.int(o.max_replicas_per_node, [...path, 'max_replicas_per_node']);
  if (max !== undefined) out.MaxReplicas = max;
  return out;
}

function deploy(r: Reader, v: unknown, path: Path): { deploy?: ComposeDeploy; minAvailable?: string } {
  const o = r.map(v, path, { known: DEPLOY_KEYS });
  if (!o) return {};
  const d: ComposeDeploy = {};
  const set = <K extends keyof ComposeDeploy>(k: K, val: ComposeDeploy[K] | undefined) => {
    if (val !== undefined) d[k] = val;
  };
  set('mode', r.choice(o.mode, [...path, 'mode'], ['replicated', 'global'] as const));
  set('replicas', r.int(o.replicas, [...path, 'replicas']));
  if (d.mode === 'global' && d.replicas !== undefined) {
    r.fail([...path, 'replicas'], 'replicas can only be used with mode replicated (got mode global)');
  }
  set('labels', r.labels(o.labels, [...path, 'labels']));
  set('placement', placement(r, o.placement, [...path, 'placement']));
  set('resources', resources(r, o.resources, [...path, 'resources']));
  set('restartPolicy', restartPolicy(r, o.restart_policy, [...path, 'restart_policy']));
  set('updateConfig', updateConfig(r, o.update_config, [...path, 'update_config'], false));
  set('rollbackConfig', updateConfig(r, o.rollback_config, [...path, 'rollback_config'], true));
  set('endpointMode', r.choice(o.endpoint_mode, [...path, 'endpoint_mode'], ['vip', 'dnsrr'] as const));
  const min = minAvailable(r, o['x-min-available'], [...path, 'x-min-available']);
  return min === undefined ? { deploy: d } : { deploy: d, minAvailable: min };
}

/** `KEY` without a value takes the deploying shell's value, and is left out when unset there. */
function environment(r: Reader, v: unknown, path: Path, env: Env): Record<string, string> | undefined {
  const kv = r.keyValues(v, path, true);
  if (!kv) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(kv)) {
    const resolved = val ?? env[k];
    if (resolved !== undefined) out[k] = resolved;
  }
  return out;
}

export function readService(r: Reader, v: unknown, path: Path, env: Env): ComposeService {
  const o = r.map(v, path, { known: SERVICE_KEYS, ignored: SERVICE_IGNORED }) ?? {};
  const s: ComposeService = {};
  const set = <K extends keyof ComposeService>(k: K, val: ComposeService[K] | undefined) => {
    if (val !== undefined) s[k] = val;
  };
  const image = r.str(o.image, [...path, 'image']);
  if (image !== undefined && image.trim() === '') r.fail([...path, 'image'], 'must not be empty');
  set('image', image);
  set('entrypoint', words(r, o.entrypoint, [...path, 'entrypoint']));
  set('command', words(r, o.command, [...path, 'command']));
  set('environment', environment(r, o.environment, [...path, 'environment'], env));
  set('labels', r.labels(o.labels, [...path, 'labels']));
  set('networks', networks(r, o.networks, [...path, 'networks']));
  set('ports', readPorts(r, o.ports, [...path, 'ports']));
  set('hostname', r.str(o.hostname, [...path, 'hostname']));
  set('user', r.str(o.user, [...path, 'user']));
  set('workingDir', r.str(o.working_dir, [...path, 'working_dir']));
  set('stopGracePeriod', duration(r, o.stop_grace_period, [...path, 'stop_grace_period']));
  const d = deploy(r, o.deploy, [...path, 'deploy']);
  set('deploy', d.deploy);
  const top = minAvailable(r, o['x-tsswarm-min-available'], [...path, 'x-tsswarm-min-available']);
  set('minAvailable', d.minAvailable ?? top);
  return s;
}
