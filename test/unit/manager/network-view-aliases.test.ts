// The manager's network view carries each service's network aliases (targets resolved to
// network IDs, only on the node's networks) over the real dispatcher codec, and the worker's
// DNS table built from it answers the alias on its network; removing the alias from the
// spec removes the answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dispatcherProto } from '../../../src/common/proto.js';
import { buildTable, resolve } from '../../../src/dns/index.js';
import type { NetworkState__Output } from '../../../src/generated/tsswarm/dispatcher/v1/NetworkState.js';
import { allocate } from '../../../src/manager/allocator/allocator.js';
import { createNetwork } from '../../../src/manager/allocator/networks.js';
import { networkViewForNode } from '../../../src/manager/dispatcher/network-view.js';
import { MemoryBackend } from '../../../src/store/backend-memory.js';
import type { NetworkAttachmentConfig } from '../../../src/store/objects.js';
import { Store } from '../../../src/store/store.js';

/** What the worker receives: the view through the Session stream's real serializer. */
function overTheWire(view: ReturnType<typeof networkViewForNode>): NetworkState__Output {
  const session = dispatcherProto().tsswarm.dispatcher.v1.Dispatcher.service.Session;
  const msg = session.responseDeserialize(session.responseSerialize({ network_state: view }));
  assert.ok(msg.network_state);
  return msg.network_state;
}

function addrOn(s: Store, taskId: string, networkId: string): string {
  const a = s.get('tasks', taskId)?.NetworksAttachments?.find((x) => x.Network.ID === networkId)?.Addresses[0];
  assert.ok(a, `task ${taskId} has an address on ${networkId}`);
  return a.split('/')[0] ?? '';
}

test('network view: aliases per network reach the worker, answer there only, and go away with the spec', async () => {
  const s = new Store(new MemoryBackend());
  await s.open();
  const front = await s.update((tx) => createNetwork(tx, { Name: 'demo_front' }));
  const back = await s.update((tx) => createNetwork(tx, { Name: 'demo_back' }));
  const nets = (webAliases: string[]): NetworkAttachmentConfig[] => [
    { Target: 'demo_front', Aliases: webAliases },
    { Target: back.ID, Aliases: [] },
  ];
  await s.update((tx) => {
    tx.create('nodes', {
      ID: 'n1',
      Spec: { Labels: {}, Role: 'worker', Availability: 'active' },
      Description: { Hostname: 'h1', Platform: { Architecture: 'x86_64', OS: 'linux' }, Resources: { NanoCPUs: 1e9, MemoryBytes: 1e9 }, Engine: { EngineVersion: '', Labels: {} } },
      Status: { State: 'ready', Addr: '10.199.0.2' },
    });
    const services = [
      { id: 'sweb', name: 'demo_web', networks: nets(['web', 'Front-Door']) },
      { id: 'sclient', name: 'demo_client', networks: [{ Target: 'demo_front' }, { Target: 'demo_back' }] },
    ];
    for (const svc of services) {
      tx.create('services', {
        ID: svc.id,
        Spec: { Name: svc.name, TaskTemplate: { ContainerSpec: { Image: 'img' }, Networks: svc.networks }, Mode: { Replicated: { Replicas: 1 } } },
        Endpoint: { Spec: {} },
      });
      tx.create('tasks', {
        ID: `${svc.id}.1`,
        ServiceID: svc.id,
        Spec: { ContainerSpec: { Image: 'img' }, Networks: svc.networks },
        Status: { Timestamp: '', State: 'new', Message: '' },
        DesiredState: 'running',
      });
    }
  });
  await s.update((tx) => allocate(tx));
  await s.update((tx) => {
    for (const id of ['sweb.1', 'sclient.1']) {
      tx.update('tasks', id, (t) => {
        t.NodeID = 'n1';
        t.Status = { Timestamp: '', State: 'running', Message: '' };
      });
    }
  });

  const view = overTheWire(s.view((tx) => networkViewForNode(tx, 'n1')));
  const web = view.services.find((x) => x.service_id === 'sweb');
  // The name target is resolved to the network ID; the empty list on back is left out.
  assert.deepEqual(web?.aliases, [{ network_id: front.ID, names: ['web', 'Front-Door'] }]);
  assert.deepEqual(view.services.find((x) => x.service_id === 'sclient')?.aliases, []);

  const vip = (net: string): string => (s.get('services', 'sweb')?.Endpoint.VirtualIPs ?? []).find((v) => v.NetworkID === net)?.Addr.split('/')[0] ?? '';
  const table = buildTable(view, new Map());
  // The client task is on both networks; it asks from its front and its back address.
  const fromFront = addrOn(s, 'sclient.1', front.ID);
  const fromBack = addrOn(s, 'sclient.1', back.ID);
  assert.deepEqual(resolve(table, fromFront, 'web', 'A'), { rcode: 'NOERROR', addrs: [vip(front.ID)] });
  assert.deepEqual(resolve(table, fromFront, 'front-door', 'A'), { rcode: 'NOERROR', addrs: [vip(front.ID)] });
  assert.deepEqual(resolve(table, fromFront, 'tasks.web', 'A'), { rcode: 'NOERROR', addrs: [addrOn(s, 'sweb.1', front.ID)] });
  // Same client, so same networks: the alias gives the front VIP only, never the back one.
  assert.deepEqual(resolve(table, fromBack, 'web', 'A'), { rcode: 'NOERROR', addrs: [vip(front.ID)] });
  assert.deepEqual(resolve(table, fromBack, 'demo_web', 'A').addrs.sort(), [vip(front.ID), vip(back.ID)].sort());

  // `docker service update --network-rm/--network-add` style: the alias leaves the spec.
  await s.update((tx) => {
    tx.update('services', 'sweb', (svc) => {
      svc.Spec.TaskTemplate.Networks = nets(['front-door']);
    });
  });
  const after = buildTable(overTheWire(s.view((tx) => networkViewForNode(tx, 'n1'))), new Map());
  assert.deepEqual(resolve(after, fromFront, 'web', 'A'), { rcode: 'NXDOMAIN', addrs: [] });
  assert.deepEqual(resolve(after, fromFront, 'tasks.web', 'A'), { rcode: 'NXDOMAIN', addrs: [] });
  assert.deepEqual(resolve(after, fromFront, 'Front-Door', 'A'), { rcode: 'NOERROR', addrs: [vip(front.ID)] });
  assert.deepEqual(resolve(after, fromFront, 'demo_web', 'A').addrs.sort(), [vip(front.ID), vip(back.ID)].sort());
});
