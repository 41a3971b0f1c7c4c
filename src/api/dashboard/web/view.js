// @ts-check
// The dashboard's view logic: pure functions from the API's JSON to a view model, and from
// the model to HTML. No DOM, no fetch, no clock (callers pass `now`), so the browser's
// app.js and the Node tests import the same file. Plain JS with JSDoc types because the
// manager serves it as is (no bundler, no transpiler at run time).
//
// Every value from the API is user input (service names, labels, task errors): it reaches
// the markup only through the `html` tag, which escapes each interpolated value unless it
// is already SafeHtml. Values go only into element content and double-quoted attributes,
// never into URLs, event handlers or unquoted attributes.

/** @typedef {import('./types.js').Snapshot} Snapshot */
/** @typedef {import('./types.js').ApiNode} ApiNode */
/** @typedef {import('./types.js').ApiService} ApiService */
/** @typedef {import('./types.js').ApiTask} ApiTask */
/** @typedef {import('./types.js').ApiPort} ApiPort */
/** @typedef {import('./types.js').Model} Model */
/** @typedef {import('./types.js').Summary} Summary */
/** @typedef {import('./types.js').NodeRow} NodeRow */
/** @typedef {import('./types.js').ServiceRow} ServiceRow */
/** @typedef {import('./types.js').TaskRow} TaskRow */
/** @typedef {import('./types.js').LiveState} LiveState */
/** @typedef {import('./types.js').RenderOptions} RenderOptions */

/** Label holding a service's disruption budget (as src/manager/orchestrator/budget.ts). */
export const MIN_AVAILABLE_LABEL = 'com.tsswarm.min-available';

/** Task states up to and including `running`, in lifecycle order (src/store/objects.ts). */
const ALIVE_STATES = ['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting', 'running'];

const NONE = '—';

// ---------------------------------------------------------------------------------------
// Escaping

/** HTML that is safe to insert as is; only `html` and `raw` make one. */
export class SafeHtml {
  /** @param {string} value */
  constructor(value) {
    /** @readonly */
    this.value = value;
  }

  toString() {
    return this.value;
  }
}

/** @type {Record<string, string>} */
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for element content and quoted attribute values.
 * @param {unknown} value
 * @returns {string}
 */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * @param {unknown} value
 * @returns {string}
 */
function interpolate(value) {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(interpolate).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(value);
}

/**
 * Tagged template: the literal parts are markup, every `${value}` is escaped (arrays are
 * joined, SafeHtml is kept, undefined/null/false are dropped).
 * @param {TemplateStringsArray} strings
 * @param {...unknown} values
 * @returns {SafeHtml}
 */
export function html(strings, ...values) {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

// ---------------------------------------------------------------------------------------
// Formatting

/**
 * Compact age: 42s, 5m, 3h, 2d. Unknown or future times are shown as `—` / `0s`.
 * @param {string | undefined} timestamp
 * @param {number} now epoch ms
 */
export function formatAge(timestamp, now) {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(t)) return NONE;
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/**
 * A published port as `docker service ls` shows it: `*:8080->80/tcp`, host mode marked.
 * @param {ApiPort} p
 */
export function formatPort(p) {
  const proto = p.Protocol ?? 'tcp';
  const target = p.TargetPort ?? '?';
  const published = p.PublishedPort ? `*:${p.PublishedPort}->` : '';
  return `${published}${target}/${proto}${p.PublishMode === 'host' ? ' (host)' : ''}`;
}

/**
 * `replicated`, `global`, `replicated job`, `global job`.
 * @param {ApiService} s
 */
export function serviceMode(s) {
  const m = s.Spec?.Mode ?? {};
  if (m.Global) return 'global';
  if (m.ReplicatedJob) return 'replicated job';
  if (m.GlobalJob) return 'global job';
  return 'replicated';
}

/**
 * The budget label as written and what it means now, e.g. `50% (2)`; mirrors
 * minAvailableOf in src/manager/orchestrator/budget.ts (a test holds the two together).
 * @param {Record<string, string> | undefined} labels
 * @param {number} desired
 * @returns {{ text: string, count: number }}
 */
export function minAvailable(labels, desired) {
  const raw = labels?.[MIN_AVAILABLE_LABEL];
  if (raw === undefined) return { text: NONE, count: 0 };
  const v = raw.trim();
  const pct = /^(\d{1,3})%$/.exec(v);
  let n;
  if (pct && Number(pct[1]) <= 100) n = Math.ceil((Number(pct[1]) / 100) * desired);
  else if (/^\d+$/.test(v)) n = Number(v);
  else return { text: `${raw} (invalid)`, count: 0 };
  const count = Math.min(n, desired);
  return { text: `${raw} (${count})`, count };
}

/**
 * Key-order-independent deep equality of JSON values.
 * @param {unknown} a
 * @param {unknown} b
 * @returns {boolean}
 */
export function jsonEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ao = /** @type {Record<string, unknown>} */ (a);
  const bo = /** @type {Record<string, unknown>} */ (b);
  const keys = Object.keys(ao).filter((k) => ao[k] !== undefined);
  if (keys.length !== Object.keys(bo).filter((k) => bo[k] !== undefined).length) return false;
  return keys.every((k) => jsonEqual(ao[k], bo[k]));
}

/** @param {ApiTask} t */
function desiredAlive(t) {
  return ALIVE_STATES.includes(t.DesiredState ?? '');
}

/**
 * Rolling-update progress from the tasks, as the orchestrator judges it: a wanted task is
 * outdated while its spec differs from the service's task template.
 * @param {ApiService} s
 * @param {ApiTask[]} tasks the service's tasks
 */
export function updateState(s, tasks) {
  if (s.UpdateStatus?.State) {
    return s.UpdateStatus.Message ? `${s.UpdateStatus.State}: ${s.UpdateStatus.Message}` : s.UpdateStatus.State;
  }
  const wanted = tasks.filter(desiredAlive);
  const outdated = wanted.filter((t) => !jsonEqual(t.Spec, s.Spec?.TaskTemplate)).length;
  if (outdated > 0) return `updating: ${wanted.length - outdated}/${wanted.length} tasks on the current spec`;
  return 'up to date';
}

/** @param {ApiNode | undefined} n */
function hostnameOf(n) {
  return n?.Description?.Hostname || n?.Spec?.Name || n?.ID || '';
}

/** @param {ApiNode} n */
function managerStatusOf(n) {
  if (!n.ManagerStatus) return '';
  if (n.ManagerStatus.Leader) return 'Leader';
  const r = n.ManagerStatus.Reachability ?? 'unknown';
  return r.charAt(0).toUpperCase() + r.slice(1);
}

// ---------------------------------------------------------------------------------------
// Model

/**
 * @param {ApiTask} t
 * @param {Map<string, ApiNode>} nodes
 * @param {number} now
 * @returns {TaskRow}
 */
function taskRow(t, nodes, now) {
  return {
    id: t.ID,
    slot: t.Slot !== undefined ? String(t.Slot) : NONE,
    node: t.NodeID ? hostnameOf(nodes.get(t.NodeID)) || t.NodeID : NONE,
    desired: t.DesiredState ?? '',
    state: t.Status?.State ?? '',
    message: t.Status?.Message ?? '',
    error: t.Status?.Err ?? '',
    age: formatAge(t.Status?.Timestamp, now),
    current: desiredAlive(t),
  };
}

/**
 * Orders a service's tasks as `docker service ps` does: by slot (global: by node), newest first.
 * @param {ApiTask[]} tasks
 * @param {Map<string, ApiNode>} nodes
 */
function sortTasks(tasks, nodes) {
  /** @param {ApiTask} t */
  const group = (t) => (t.Slot !== undefined ? String(t.Slot).padStart(10, '0') : hostnameOf(nodes.get(t.NodeID ?? '')));
  return [...tasks].sort((a, b) => {
    const g = group(a).localeCompare(group(b));
    return g !== 0 ? g : (b.CreatedAt ?? '').localeCompare(a.CreatedAt ?? '');
  });
}

/**
 * @param {ApiService} s
 * @param {ApiTask[]} tasks the service's tasks
 * @param {Map<string, ApiNode>} nodes
 * @param {Map<string, string>} networkNames
 * @param {number} now
 * @returns {ServiceRow}
 */
function serviceRow(s, tasks, nodes, networkNames, now) {
  const st = s.ServiceStatus;
  const running = st?.RunningTasks ?? tasks.filter((t) => t.Status?.State === 'running' && desiredAlive(t)).length;
  const desired = st?.DesiredTasks ?? s.Spec?.Mode?.Replicated?.Replicas ?? tasks.filter(desiredAlive).length;
  const job = Boolean(s.Spec?.Mode?.ReplicatedJob || s.Spec?.Mode?.GlobalJob);
  const completed = st?.CompletedTasks ?? 0;
  const total = s.Spec?.Mode?.ReplicatedJob?.TotalCompletions;
  const jobPart = job ? ` (${completed}${total !== undefined ? `/${total}` : ''} completed)` : '';
  return {
    id: s.ID,
    name: s.Spec?.Name ?? s.ID,
    mode: serviceMode(s),
    replicas: `${running}/${desired}${jobPart}`,
    degraded: running < desired,
    image: /** @type {{ ContainerSpec?: { Image?: string } } | undefined} */ (s.Spec?.TaskTemplate)?.ContainerSpec?.Image ?? '',
    ports: (s.Endpoint?.Ports ?? s.Spec?.EndpointSpec?.Ports ?? []).map(formatPort),
    vips: (s.Endpoint?.VirtualIPs ?? []).map((v) => {
      const net = networkNames.get(v.NetworkID ?? '');
      return net ? `${v.Addr ?? '?'} (${net})` : (v.Addr ?? '?');
    }),
    minAvailable: minAvailable(s.Spec?.Labels, desired).text,
    update: updateState(s, tasks),
    tasks: sortTasks(tasks, nodes).map((t) => taskRow(t, nodes, now)),
  };
}

/**
 * Turns one poll's API answers into what the page shows.
 * @param {Snapshot} snap
 * @param {number} now epoch ms, for ages
 * @returns {Model}
 */
export function buildModel(snap, now) {
  const nodes = new Map(snap.nodes.map((n) => [n.ID, n]));
  const networkNames = new Map(snap.networks.map((n) => [n.ID, n.Name ?? n.ID]));
  /** @type {Map<string, ApiTask[]>} */
  const byService = new Map();
  /** @type {Map<string, number>} */
  const runningOnNode = new Map();
  for (const t of snap.tasks) {
    const list = byService.get(t.ServiceID ?? '') ?? [];
    list.push(t);
    byService.set(t.ServiceID ?? '', list);
    if (t.NodeID && t.Status?.State === 'running') runningOnNode.set(t.NodeID, (runningOnNode.get(t.NodeID) ?? 0) + 1);
  }
  const selfId = snap.info.Swarm?.NodeID;
  const managers = snap.nodes.filter((n) => n.ManagerStatus || n.Spec?.Role === 'manager');
  const leader = snap.nodes.find((n) => n.ManagerStatus?.Leader);
  /** @type {Summary} */
  const summary = {
    clusterName: snap.info.Swarm?.Cluster?.Spec?.Name ?? '',
    servedBy: snap.info.Name ?? '',
    version: snap.info.ServerVersion ?? '',
    managers: managers.length,
    managersReachable: managers.filter((n) => n.ManagerStatus?.Leader || n.ManagerStatus?.Reachability === 'reachable').length,
    leader: leader ? hostnameOf(leader) : undefined,
    nodesTotal: snap.nodes.length,
    nodesReady: snap.nodes.filter((n) => n.Status?.State === 'ready').length,
    nodesDown: snap.nodes.filter((n) => n.Status?.State !== 'ready').length,
    services: snap.services.length,
    tasksRunning: snap.tasks.filter((t) => t.Status?.State === 'running').length,
    tasksDesired: snap.tasks.filter((t) => t.DesiredState === 'running').length,
  };
  return {
    summary,
    nodes: snap.nodes.map((n) => ({
      id: n.ID,
      self: n.ID === selfId,
      hostname: hostnameOf(n),
      role: n.Spec?.Role ?? '',
      availability: n.Spec?.Availability ?? '',
      status: n.Status?.State ?? 'unknown',
      statusMessage: n.Status?.Message ?? '',
      addr: n.Status?.Addr ?? '',
      managerStatus: managerStatusOf(n),
      tasksRunning: runningOnNode.get(n.ID) ?? 0,
      engineVersion: n.Description?.Engine?.EngineVersion ?? '',
      loadBalancer: n.Description?.TSSwarm?.LoadBalancer ?? '',
    })),
    services: snap.services.map((s) => serviceRow(s, byService.get(s.ID) ?? [], nodes, networkNames, now)),
  };
}

// ---------------------------------------------------------------------------------------
// Rendering

/** @param {string} text */
function orNone(text) {
  return text === '' ? NONE : text;
}

/** @param {string[]} items */
function list(items) {
  return items.length === 0 ? NONE : html`${items.map((i, k) => html`${k > 0 ? html`<br>` : ''}${i}`)}`;
}

/** @param {Summary} s */
export function renderSummary(s) {
  const leader = s.leader === undefined ? html`<span class="bad">no leader</span>` : s.leader;
  return html`<dl class="summary">
<div><dt>Cluster</dt><dd>${orNone(s.clusterName)}</dd></div>
<div><dt>Managers</dt><dd>${s.managers} (${s.managersReachable} reachable), leader ${leader}</dd></div>
<div><dt>Nodes</dt><dd>${s.nodesReady} ready${s.nodesDown > 0 ? html`, <span class="bad">${s.nodesDown} not ready</span>` : ''} of ${s.nodesTotal}</dd></div>
<div><dt>Services</dt><dd>${s.services}</dd></div>
<div><dt>Tasks running</dt><dd>${s.tasksRunning} of ${s.tasksDesired} desired</dd></div>
<div><dt>Served by</dt><dd>${orNone(s.servedBy)} (tsswarm ${orNone(s.version)})</dd></div>
</dl>`;
}

/** @param {NodeRow[]} nodes */
export function renderNodes(nodes) {
  if (nodes.length === 0) return html`<p>No nodes.</p>`;
  const rows = nodes.map(
    (n) => html`<tr>
<th scope="row">${n.hostname}${n.self ? html` <abbr title="the manager serving this page">*</abbr>` : ''}<br><code class="id">${n.id}</code></th>
<td>${n.role}</td>
<td>${n.availability}</td>
<td class="${n.status === 'ready' ? 'ok' : 'bad'}">${n.status}${n.statusMessage ? html`<br><small>${n.statusMessage}</small>` : ''}</td>
<td>${orNone(n.managerStatus)}</td>
<td class="num">${n.tasksRunning}</td>
<td>${orNone(n.engineVersion)}</td>
<td>${orNone(n.loadBalancer)}</td>
<td>${orNone(n.addr)}</td>
</tr>`,
  );
  return html`<table>
<caption>Nodes</caption>
<thead><tr><th scope="col">Hostname</th><th scope="col">Role</th><th scope="col">Availability</th><th scope="col">Status</th><th scope="col">Manager status</th><th scope="col" class="num">Tasks running</th><th scope="col">Engine version</th><th scope="col">Load balancer</th><th scope="col">Address</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

/** @param {ServiceRow} s */
function renderTasks(s) {
  if (s.tasks.length === 0) return html`<p>No tasks.</p>`;
  const rows = s.tasks.map(
    (t) => html`<tr class="${t.current ? '' : 'history'}">
<td><code class="id">${t.id}</code></td>
<td class="num">${t.slot}</td>
<td>${t.node}</td>
<td>${t.desired}</td>
<td class="${t.state === 'running' ? 'ok' : t.state === 'failed' || t.state === 'rejected' ? 'bad' : ''}">${t.state}${t.message ? html`<br><small>${t.message}</small>` : ''}</td>
<td class="${t.error ? 'bad' : ''}">${orNone(t.error)}</td>
<td class="num">${t.age}</td>
</tr>`,
  );
  return html`<table class="tasks">
<caption>Tasks of ${s.name}</caption>
<thead><tr><th scope="col">Task</th><th scope="col" class="num">Slot</th><th scope="col">Node</th><th scope="col">Desired</th><th scope="col">State</th><th scope="col">Error</th><th scope="col" class="num">Age</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

/**
 * @param {ServiceRow[]} services
 * @param {RenderOptions} [opts]
 */
export function renderServices(services, opts = {}) {
  if (services.length === 0) return html`<p>No services.</p>`;
  const rows = services.map(
    (s) => html`<tr>
<th scope="row">${s.name}<br><code class="id">${s.id}</code></th>
<td>${s.mode}</td>
<td class="num ${s.degraded ? 'bad' : 'ok'}">${s.replicas}</td>
<td><code>${s.image}</code></td>
<td>${list(s.ports)}</td>
<td>${list(s.vips)}</td>
<td>${s.minAvailable}</td>
<td>${s.update}</td>
</tr>
<tr class="task-list"><td colspan="8"><details data-service="${s.id}"${opts.open?.has(s.id) ? html` open` : ''}><summary>${s.tasks.length} task${s.tasks.length === 1 ? '' : 's'} of ${s.name}</summary>${renderTasks(s)}</details></td></tr>`,
  );
  return html`<table>
<caption>Services</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Mode</th><th scope="col" class="num">Replicas</th><th scope="col">Image</th><th scope="col">Published ports</th><th scope="col">VIPs</th><th scope="col">Min available</th><th scope="col">Update</th></tr></thead>
<tbody>${rows}</tbody>
</table>`;
}

/**
 * The whole data part of the page.
 * @param {Model} model
 * @param {RenderOptions} [opts]
 */
export function renderDashboard(model, opts = {}) {
  return html`<section aria-labelledby="h-summary"><h2 id="h-summary">Cluster</h2>${renderSummary(model.summary)}</section>
<section aria-labelledby="h-nodes"><h2 id="h-nodes">Nodes</h2>${renderNodes(model.nodes)}</section>
<section aria-labelledby="h-services"><h2 id="h-services">Services</h2>${renderServices(model.services, opts)}</section>`;
}

/**
 * The live indicator's text and state.
 * @param {LiveState} live
 * @param {number} now epoch ms
 * @returns {{ state: 'connecting' | 'live' | 'down', text: string }}
 */
export function liveStatus(live, now) {
  /** @param {number} t */
  const ago = (t) => `${Math.max(0, Math.round((now - t) / 1000))} s`;
  if (live.failingSince === undefined) {
    if (live.lastOk === undefined) return { state: 'connecting', text: 'Connecting to the API…' };
    return { state: 'live', text: `Live: updated ${ago(live.lastOk)} ago, every 2 s.` };
  }
  const why = live.error ? ` (${live.error})` : '';
  const data = live.lastOk === undefined ? 'No data yet.' : `The data below is from ${ago(live.lastOk)} ago.`;
  return { state: 'down', text: `The API is not answering, for ${ago(live.failingSince)}${why}. ${data}` };
}
