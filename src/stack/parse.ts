// parseStackFile: compose text (version 3.x, the part Swarm uses) → the typed model. Pure:
// the caller reads the file and passes its name for messages. YAML errors, bad values and
// unknown keys throw StackFileError (file, path, line); unsupported keys are only listed.

import { LineCounter, parseDocument } from 'yaml';
import { StackFileError } from './errors.js';
import { interpolateTree, type Env, type InterpolationError } from './interpolate.js';
import type { ComposeNetwork, ParsedStack, StackModel } from './model.js';
import { readService } from './parse-service.js';
import { describe, formatPath, Reader, type Obj, type Path } from './reader.js';

export interface ParseOptions {
  /** Variables for `${VAR}` interpolation and for `environment` entries without a value. */
  env?: Env;
  /** The file's name, for messages. */
  file?: string;
}

/** Guards against "billion laughs" documents made of nested aliases. */
const MAX_ALIAS_COUNT = 100;

const TOP_KEYS = ['version', 'services', 'networks'] as const;
const TOP_IGNORED = ['volumes', 'secrets', 'configs', 'name', 'include'];
const NETWORK_KEYS = ['driver', 'driver_opts', 'external', 'name', 'attachable', 'internal', 'labels', 'ipam'] as const;
const CIDR_RE = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const IP_RE = /^\d{1,3}(\.\d{1,3}){3}$/;

/** `parse error at line 3, column 5:` and the code frame → the first sentence only. */
function yamlMessage(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}

function ipam(r: Reader, v: unknown, path: Path, net: ComposeNetwork): void {
  const o = r.map(v, path, { known: ['driver', 'config'], ignored: ['options'] });
  if (!o) return;
  const driver = r.str(o.driver, [...path, 'driver']);
  if (driver !== undefined && driver !== 'default') r.fail([...path, 'driver'], `only the default IPAM driver is supported, got ${describe(driver)}`);
  const configs = r.list(o.config, [...path, 'config']) ?? [];
  if (configs.length > 1) r.fail([...path, 'config'], 'only one subnet per network is supported');
  if (configs.length === 0) return;
  const cp = [...path, 'config', 0];
  const c = r.map(configs[0], cp, { known: ['subnet', 'gateway'], ignored: ['ip_range', 'aux_addresses'] }) ?? {};
  const subnet = r.str(c.subnet, [...cp, 'subnet']);
  if (subnet !== undefined && !CIDR_RE.test(subnet)) r.fail([...cp, 'subnet'], `expected CIDR notation like 10.0.9.0/24, got ${describe(subnet)}`);
  const gateway = r.str(c.gateway, [...cp, 'gateway']);
  if (gateway !== undefined && !IP_RE.test(gateway)) r.fail([...cp, 'gateway'], `expected an IPv4 address, got ${describe(gateway)}`);
  if (gateway !== undefined && subnet === undefined) r.fail([...cp, 'gateway'], 'needs a subnet');
  if (subnet !== undefined) net.subnet = subnet;
  if (gateway !== undefined) net.gateway = gateway;
}

function readNetwork(r: Reader, v: unknown, path: Path): ComposeNetwork {
  const o = r.map(v, path, { known: NETWORK_KEYS, ignored: ['enable_ipv6'] }) ?? {};
  const net: ComposeNetwork = {};
  const driver = r.str(o.driver, [...path, 'driver']);
  if (driver !== undefined && driver !== 'overlay') {
    r.fail([...path, 'driver'], `network driver ${describe(driver)} is not supported: stack networks use the overlay driver`);
  }
  if (driver !== undefined) net.driver = 'overlay';
  if (o.driver_opts !== undefined && o.driver_opts !== null) {
    r.map(o.driver_opts, [...path, 'driver_opts']);
    r.warnings.push(`${formatPath([...path, 'driver_opts'])}: driver options are ignored (tsswarm's overlay has none)`);
  }
  const name = r.str(o.name, [...path, 'name']);
  if (name !== undefined) net.name = name;
  // `external: true`, or the compose 3.0-3.4 form `external: {name: NAME}`.
  const ext = o.external;
  if (ext !== null && typeof ext === 'object' && !Array.isArray(ext)) {
    const extName = r.str(r.map(ext, [...path, 'external'], { known: ['name'] })?.name, [...path, 'external', 'name']);
    net.external = true;
    if (extName !== undefined) net.name = extName;
  } else {
    const e = r.bool(ext, [...path, 'external']);
    if (e) net.external = true;
  }
  const attachable = r.bool(o.attachable, [...path, 'attachable']);
  if (attachable !== undefined) net.attachable = attachable;
  const internal = r.bool(o.internal, [...path, 'internal']);
  if (internal !== undefined) net.internal = internal;
  const labels = r.labels(o.labels, [...path, 'labels']);
  if (labels) net.labels = labels;
  ipam(r, o.ipam, [...path, 'ipam'], net);
  if (net.external) {
    const extra = Object.keys(o).filter((k) => !['external', 'name'].includes(k) && !k.startsWith('x-'));
    if (extra.length > 0) r.fail([...path, extra[0] as string], 'an external network cannot also be configured here', 'invalid_value', true);
  }
  return net;
}

export function parseStackFile(text: string, opts: ParseOptions = {}): ParsedStack {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, merge: true, uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    throw new StackFileError('invalid_yaml', `invalid YAML: ${yamlMessage(first.message)}`, { file: opts.file, line: first.linePos?.[0].line });
  }
  const r: Reader = new Reader(opts.file, doc, lines);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new StackFileError('invalid_yaml', `invalid YAML: ${(err as Error).message}`, { file: opts.file });
  }
  if (raw === null || raw === undefined) r.fail([], 'the stack file is empty');
  if (typeof raw !== 'object' || Array.isArray(raw)) r.fail([], `the top level must be a mapping, got ${describe(raw)}`);

  const unset = new Set<string>();
  const onError = (err: InterpolationError, path: (string | number)[]): never => r.fail(path, err.message, err.kind);
  const top = r.map(interpolateTree(raw, opts.env ?? {}, unset, onError), [], { known: TOP_KEYS, ignored: TOP_IGNORED }) as Obj;

  const model: StackModel = { services: {}, networks: {} };
  const version = r.str(top.version, ['version']);
  if (version !== undefined) {
    if (!/^3(\.\d+)?$/.test(version)) r.fail(['version'], `unsupported compose file version ${describe(version)}: stack deploy reads version 3.x files`);
    model.version = version;
  }
  const services = r.map(top.services, ['services']);
  if (!services || Object.keys(services).length === 0) r.fail(['services'], 'a stack file needs at least one service');
  for (const [name, svc] of Object.entries(services)) model.services[name] = readService(r, svc, ['services', name], opts.env ?? {});
  for (const [name, net] of Object.entries(r.map(top.networks, ['networks']) ?? {})) {
    model.networks[name] = readNetwork(r, net, ['networks', name]);
  }
  for (const name of [...unset].sort()) r.warnings.push(`the ${name} variable is not set; defaulting to a blank string`);
  return { model, ignored: r.ignored, warnings: r.warnings };
}
