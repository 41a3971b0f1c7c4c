// The dashboard's pure view module (src/api/dashboard/web/view.js, the same file the
// browser runs): escaping, the model built from API JSON, and the rendered markup.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minAvailableOf } from '../../../src/manager/orchestrator/budget.js';
import {
  buildModel,
  escapeHtml,
  formatAge,
  formatPort,
  html,
  liveStatus,
  minAvailable,
  MIN_AVAILABLE_LABEL,
  renderDashboard,
  renderServices,
  SafeHtml,
  type ApiTask,
  type Snapshot,
} from '../../../src/api/dashboard/web/view.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const TEMPLATE = { ContainerSpec: { Image: 'tsswarm/web:1' } };
const HOSTILE = `<img src=x onerror="alert(1)">'&`;

/** Tags the view may emit; anything else in the output came from data. */
const ALLOWED_TAGS = new Set([
  'section', 'h2', 'dl', 'div', 'dt', 'dd', 'span', 'table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td',
  'br', 'code', 'small', 'abbr', 'details', 'summary', 'p',
]);

function task(id: string, fields: Partial<ApiTask> = {}): ApiTask {
  return {
    ID: id,
    ServiceID: 'svc-web',
    CreatedAt: ago(60),
    DesiredState: 'running',
    Spec: structuredClone(TEMPLATE),
    Status: { Timestamp: ago(30), State: 'running', Message: 'started' },
    ...fields,
  };
}

function snapshot(): Snapshot {
  return {
    info: { Name: 'mgr-1', ServerVersion: '0.1.0', Swarm: { NodeID: 'n-mgr', Cluster: { Spec: { Name: 'default' } } } },
    nodes: [
      {
        ID: 'n-mgr',
        Spec: { Role: 'manager', Availability: 'active' },
        Description: { Hostname: 'mgr-1', Engine: { EngineVersion: '0.1.0' }, TSSwarm: { LoadBalancer: 'nftables' } },
        Status: { State: 'ready', Addr: '10.0.0.1' },
        ManagerStatus: { Leader: true, Reachability: 'reachable' },
      },
      {
        ID: 'n-mgr2',
        Spec: { Role: 'manager', Availability: 'active' },
        Description: { Hostname: 'mgr-2' },
        Status: { State: 'down', Message: 'heartbeat failure', Addr: '10.0.0.3' },
        ManagerStatus: { Leader: false, Reachability: 'unreachable' },
      },
      {
        ID: 'n-wrk',
        Spec: { Role: 'worker', Availability: 'drain' },
        Description: { Hostname: 'wrk-1', Engine: { EngineVersion: '0.1.0' } },
        Status: { State: 'ready', Addr: '10.0.0.2' },
      },
    ],
    services: [
      {
        ID: 'svc-web',
        Spec: {
          Name: 'web',
          Labels: { [MIN_AVAILABLE_LABEL]: '2' },
          TaskTemplate: TEMPLATE,
          Mode: { Replicated: { Replicas: 3 } },
        },
        Endpoint: {
          Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080, PublishMode: 'ingress' }],
          VirtualIPs: [{ NetworkID: 'net-ingress', Addr: '10.255.0.5/16' }],
        },
        ServiceStatus: { RunningTasks: 2, DesiredTasks: 3, CompletedTasks: 0 },
      },
    ],
    tasks: [
      task('t-1-old', { Slot: 1, NodeID: 'n-wrk', CreatedAt: ago(600), DesiredState: 'shutdown', Status: { Timestamp: ago(500), State: 'shutdown', Message: 'shutdown' } }),
      task('t-2', { Slot: 2, NodeID: 'n-mgr', Spec: { ContainerSpec: { Image: 'tsswarm/web:0' } } }),
      task('t-1', { Slot: 1, NodeID: 'n-mgr' }),
      task('t-3', { Slot: 3, NodeID: 'n-wrk', Status: { Timestamp: ago(7200), State: 'failed', Message: 'started', Err: 'task: non-zero exit (1)' } }),
    ],
    networks: [{ ID: 'net-ingress', Name: 'ingress' }],
  };
}

/** Every tag in `markup` is one the view emits, and no tag carries an event handler. */
function assertOnlyViewMarkup(markup: string): void {
  for (const m of markup.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)) {
    assert.ok(ALLOWED_TAGS.has((m[1] ?? '').toLowerCase()), `unexpected tag <${m[1]}> in output`);
    assert.doesNotMatch(m[2] ?? '', /\son\w+\s*=/i, `event handler attribute in <${m[1]}${m[2]}>`);
  }
}

void describe('dashboard view: escaping', () => {
  void it('escapeHtml escapes the five HTML-special characters', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    assert.equal(escapeHtml(42), '42');
  });

  void it('html`` escapes every value, keeps SafeHtml, joins arrays, drops only undefined/null/false', () => {
    const out = html`<p title="${'"x"'}">${'<b>'}${html`<i>${'&'}</i>`}${['<', html`<br>`]}${undefined}${null}${false}${0}</p>`;
    assert.ok(out instanceof SafeHtml);
    assert.equal(out.value, '<p title="&quot;x&quot;">&lt;b&gt;<i>&amp;</i>&lt;<br>0</p>');
  });

  void it('hostile names, labels, messages and errors are shown as text, never as markup', () => {
    const snap = snapshot();
    const svc = snap.services[0]!;
    svc.ID = `svc"><script>alert(1)</script>`;
    svc.Spec!.Name = HOSTILE;
    svc.Spec!.Labels = { [MIN_AVAILABLE_LABEL]: HOSTILE };
    svc.Spec!.TaskTemplate = { ContainerSpec: { Image: HOSTILE } };
    svc.Endpoint!.Ports = [{ Protocol: HOSTILE, TargetPort: 80 }];
    snap.networks[0]!.Name = HOSTILE;
    snap.info.Name = HOSTILE;
    snap.info.Swarm!.Cluster!.Spec!.Name = HOSTILE;
    for (const n of snap.nodes) {
      n.Description!.Hostname = `${HOSTILE}-${n.ID}`;
      n.Status!.Message = HOSTILE;
      n.Description!.Engine = { EngineVersion: HOSTILE };
    }
    for (const t of snap.tasks) {
      t.ServiceID = svc.ID;
      t.Status = { Timestamp: ago(1), State: HOSTILE, Message: HOSTILE, Err: HOSTILE };
      t.DesiredState = HOSTILE;
    }
    const markup = renderDashboard(buildModel(snap, NOW), { open: new Set([svc.ID]) }).value;
    assertOnlyViewMarkup(markup);
    assert.doesNotMatch(markup, /<img|<script/i);
    assert.match(markup, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;&#39;&amp;/);
    // The hostile ID lands in the data-service attribute escaped, and the open state matches.
    assert.match(markup, /data-service="svc&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;" open>/);
  });
});

void describe('dashboard view: model', () => {
  const model = buildModel(snapshot(), NOW);

  void it('summarises managers, leader, node readiness, services and tasks', () => {
    assert.deepEqual(model.summary, {
      clusterName: 'default',
      servedBy: 'mgr-1',
      version: '0.1.0',
      managers: 2,
      managersReachable: 1,
      leader: 'mgr-1',
      nodesTotal: 3,
      nodesReady: 2,
      nodesDown: 1,
      services: 1,
      tasksRunning: 2,
      tasksDesired: 3,
    });
    const noLeader = snapshot();
    for (const n of noLeader.nodes) delete n.ManagerStatus;
    assert.equal(buildModel(noLeader, NOW).summary.leader, undefined);
    assert.match(renderDashboard(buildModel(noLeader, NOW)).value, /no leader/);
  });

  void it('one row per node with role, availability, status, manager status, tasks, engine, load balancer', () => {
    assert.deepEqual(
      model.nodes.map((n) => [n.hostname, n.self, n.role, n.availability, n.status, n.statusMessage, n.managerStatus, n.tasksRunning, n.engineVersion, n.loadBalancer]),
      [
        ['mgr-1', true, 'manager', 'active', 'ready', '', 'Leader', 2, '0.1.0', 'nftables'],
        ['mgr-2', false, 'manager', 'active', 'down', 'heartbeat failure', 'Unreachable', 0, '', ''],
        ['wrk-1', false, 'worker', 'drain', 'ready', '', '', 0, '0.1.0', ''],
      ],
    );
  });

  void it('services: mode, replicas, image, ports, VIPs with the network name, min-available, update progress', () => {
    const [s] = model.services;
    assert.ok(s);
    assert.equal(s.name, 'web');
    assert.equal(s.mode, 'replicated');
    assert.equal(s.replicas, '2/3');
    assert.equal(s.degraded, true);
    assert.equal(s.image, 'tsswarm/web:1');
    assert.deepEqual(s.ports, ['*:8080->80/tcp']);
    assert.deepEqual(s.vips, ['10.255.0.5/16 (ingress)']);
    assert.equal(s.minAvailable, '2 (2)');
    // t-2 still runs the old image: 2 of the 3 wanted tasks are on the current spec.
    assert.equal(s.update, 'updating: 2/3 tasks on the current spec');
  });

  void it('tasks ordered by slot then newest first, history marked, node names and ages', () => {
    const rows = model.services[0]!.tasks;
    assert.deepEqual(
      rows.map((t) => [t.id, t.slot, t.node, t.desired, t.state, t.error, t.age, t.current]),
      [
        ['t-1', '1', 'mgr-1', 'running', 'running', '', '30s', true],
        ['t-1-old', '1', 'wrk-1', 'shutdown', 'shutdown', '', '8m', false],
        ['t-2', '2', 'mgr-1', 'running', 'running', '', '30s', true],
        ['t-3', '3', 'wrk-1', 'running', 'failed', 'task: non-zero exit (1)', '2h', true],
      ],
    );
  });

  void it('an up-to-date service, a job and Docker UpdateStatus when present', () => {
    const snap = snapshot();
    snap.tasks = snap.tasks.filter((t) => t.ID !== 't-2');
    assert.equal(buildModel(snap, NOW).services[0]!.update, 'up to date');
    snap.services[0]!.UpdateStatus = { State: 'paused', Message: 'update paused due to failure' };
    assert.equal(buildModel(snap, NOW).services[0]!.update, 'paused: update paused due to failure');
    snap.services[0]!.Spec!.Mode = { ReplicatedJob: { MaxConcurrent: 2, TotalCompletions: 5 } };
    snap.services[0]!.ServiceStatus = { RunningTasks: 2, DesiredTasks: 2, CompletedTasks: 3 };
    const job = buildModel(snap, NOW).services[0]!;
    assert.equal(job.mode, 'replicated job');
    assert.equal(job.replicas, '2/2 (3/5 completed)');
  });

  void it('replicas are counted from the tasks when the API sent no ServiceStatus', () => {
    const snap = snapshot();
    delete snap.services[0]!.ServiceStatus;
    assert.equal(buildModel(snap, NOW).services[0]!.replicas, '2/3');
  });

  void it('tolerates objects with missing fields (another API version)', () => {
    const m = buildModel({ info: {}, nodes: [{ ID: 'n' }], services: [{ ID: 's' }], tasks: [{ ID: 't', ServiceID: 's' }], networks: [] }, NOW);
    assert.equal(m.nodes[0]!.hostname, 'n');
    assert.equal(m.services[0]!.name, 's');
    assertOnlyViewMarkup(renderDashboard(m).value);
  });
});

void describe('dashboard view: formatting and rendering', () => {
  void it('minAvailable agrees with the orchestrator budget (budget.ts minAvailableOf)', () => {
    for (const value of ['0', '1', '2', '7', '0%', '1%', '33%', '50%', '100%', '101%', ' 3 ', 'x', '-1', '2.5']) {
      for (const desired of [0, 1, 3, 5]) {
        const labels = { [MIN_AVAILABLE_LABEL]: value };
        assert.equal(minAvailable(labels, desired).count, minAvailableOf(labels, desired), `${value} of ${desired}`);
      }
    }
    assert.equal(minAvailable({}, 3).text, '—');
    assert.equal(minAvailable({ [MIN_AVAILABLE_LABEL]: 'x' }, 3).text, 'x (invalid)');
  });

  void it('formatAge and formatPort', () => {
    assert.equal(formatAge(ago(0), NOW), '0s');
    assert.equal(formatAge(ago(59), NOW), '59s');
    assert.equal(formatAge(ago(61), NOW), '1m');
    assert.equal(formatAge(ago(3 * 86400), NOW), '3d');
    assert.equal(formatAge(new Date(NOW + 5000).toISOString(), NOW), '0s');
    assert.equal(formatAge(undefined, NOW), '—');
    assert.equal(formatAge('not a date', NOW), '—');
    assert.equal(formatPort({ Protocol: 'udp', TargetPort: 53, PublishedPort: 5353, PublishMode: 'host' }), '*:5353->53/udp (host)');
    assert.equal(formatPort({ TargetPort: 80 }), '80/tcp');
  });

  void it('tables have captions and column headers; task lists stay open across renders', () => {
    const model = buildModel(snapshot(), NOW);
    const markup = renderDashboard(model).value;
    assert.equal((markup.match(/<caption>/g) ?? []).length, 3); // nodes, services, web's tasks
    assert.match(markup, /<th scope="col">Manager status<\/th>/);
    assert.match(markup, /<th scope="col">Min available<\/th>/);
    assert.match(markup, /<th scope="col">Error<\/th>/);
    assert.match(renderServices(model.services).value, /<details data-service="svc-web"><summary>4 tasks of web<\/summary>/);
    assert.match(renderServices(model.services, { open: new Set(['svc-web']) }).value, /<details data-service="svc-web" open>/);
    assertOnlyViewMarkup(markup);
  });

  void it('liveStatus: connecting, live, and down with the age of the data shown', () => {
    assert.deepEqual(liveStatus({ lastOk: undefined, failingSince: undefined, error: undefined }, NOW), {
      state: 'connecting',
      text: 'Connecting to the API…',
    });
    assert.equal(liveStatus({ lastOk: NOW - 1000, failingSince: undefined, error: undefined }, NOW).state, 'live');
    const down = liveStatus({ lastOk: NOW - 14_000, failingSince: NOW - 12_000, error: 'Failed to fetch' }, NOW);
    assert.equal(down.state, 'down');
    assert.equal(down.text, 'The API is not answering, for 12 s (Failed to fetch). The data below is from 14 s ago.');
    assert.match(liveStatus({ lastOk: undefined, failingSince: NOW, error: undefined }, NOW).text, /No data yet/);
  });
});
