// The typed compose model: what parseStackFile makes of a stack file (compose 3.x, the part
// Swarm uses). Values are already checked and normalized where the Engine API has a shape
// for them (durations in ns, CPUs as NanoCPUs, sizes in bytes, ports as PortConfig), so
// convertStack only maps and namespaces. Optional fields are absent when the file omits them.

import type { Placement, PortConfig, ResourceRequirements, RestartPolicy, UpdateConfig } from '../store/objects.js';

export interface StackModel {
  /** The file's `version`, when given (informational: 3.x and the compose spec are read alike). */
  version?: string;
  services: Record<string, ComposeService>;
  networks: Record<string, ComposeNetwork>;
}

export interface ServiceNetwork {
  aliases?: string[];
}

export interface ComposeService {
  /** Required once all files are merged (convertStack checks it). */
  image?: string;
  /** `entrypoint`: the Engine API's ContainerSpec.Command. */
  entrypoint?: string[];
  /** `command`: the Engine API's ContainerSpec.Args. */
  command?: string[];
  /** KEY → value (`KEY` alone in the file took the deploying shell's value, or was left out). */
  environment?: Record<string, string>;
  /** Container labels (`labels`). */
  labels?: Record<string, string>;
  /** Network key (as in the file's top-level `networks`) → attachment options. */
  networks?: Record<string, ServiceNetwork>;
  ports?: PortConfig[];
  hostname?: string;
  user?: string;
  workingDir?: string;
  /** Nanoseconds. */
  stopGracePeriod?: number;
  /** `x-tsswarm-min-available` (or `deploy.x-min-available`): "3" or "50%". */
  minAvailable?: string;
  deploy?: ComposeDeploy;
}

export interface ComposeDeploy {
  mode?: 'replicated' | 'global';
  replicas?: number;
  /** Service labels (`deploy.labels`). */
  labels?: Record<string, string>;
  placement?: Placement;
  resources?: ResourceRequirements;
  restartPolicy?: RestartPolicy;
  updateConfig?: UpdateConfig;
  rollbackConfig?: UpdateConfig;
  endpointMode?: 'vip' | 'dnsrr';
}

export interface ComposeNetwork {
  /** An existing swarm network the stack uses but does not create or remove. */
  external?: boolean;
  /** Explicit name: for external networks the name to look up; otherwise used unprefixed. */
  name?: string;
  driver?: 'overlay';
  attachable?: boolean;
  internal?: boolean;
  labels?: Record<string, string>;
  subnet?: string;
  gateway?: string;
}

/** A stack file read and checked, with what it ignored. */
export interface ParsedStack {
  model: StackModel;
  /** Paths of keys that stack deploy does not support and ignores (`services.web.build`). */
  ignored: string[];
  /** Other notes for the user, e.g. variables used but not set. */
  warnings: string[];
}
