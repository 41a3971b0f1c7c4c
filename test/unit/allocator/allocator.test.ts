import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../src/store/store.js';
import { MemoryBackend } from '../../../src/store/backend-memory.js';
import { allocate } from '../../../src/manager/allocator/allocator.js';
import { createNetwork, removeNetwork, NetworkError, vniOf } from '../../../src/manager/allocator/networks.js';
import { carveSubnet, macForIp, parseCidr, formatCidr, IpamError } from '../../../src/manager/allocator/ipam.js';

async function store(): Promise<Store> {
  const s = new Store(new MemoryBackend());
  await s.open();
  return s;
}

test('ipam: CIDR validation names the problem', () => {
  assert.throws(() => parseCidr('10.0.0.1/24'), /host bits are set \(did you mean 10\.0\.0\.0\/24\?\)/);
  assert.throws(() => parseCidr('10.0.0.0'), /expected CIDR notation/);
  assert.throws(() => parseCidr('300.0.0.0/24'), /not an IPv4 address/);
  assert.throws(() => parseCidr('10.0.0.0/31'), IpamError);
  assert.equal(formatCidr(carveSubnet([parseCidr('10.0.0.0/24'), parseCidr('10.0.1.0/24')])), '10.0.2.0/24');
  assert.equal(formatCidr(carveSubnet([parseCidr('10.0.0.0/23')])), '10.0.2.0/24');
  assert.equal(macForIp('10.0.1.5'), '02:42:0a:00:01:05');
});

test('networks: subnet, gateway and VNI are allocated without overlap; bad input is refused', async () => {
  const s = await store();
  const a = await s.update((tx) => createNetwork(tx, { Name: 'a' }));
  const b = await s.update((tx) => createNetwork(tx, { Name: 'b' }));
  assert.equal(a.IPAM.Config[0]?.Subnet, '10.0.0.0/24');
  assert.equal(a.IPAM.Config[0]?.Gateway, '10.0.0.1');
  assert.equal(b.IPAM.Config[0]?.Subnet, '10.0.1.0/24');
  assert.equal(vniOf(a), 4096);
  assert.equal(vniOf(b), 4097);
  const c = await s.update((tx) => createNetwork(tx, { Name: 'c', IPAM: { Config: [{ Subnet: '192.168.50.0/24', Gateway: '192.168.50.254' }] } }));
  assert.equal(c.IPAM.Config[0]?.Gateway, '192.168.50.254');
  const before = JSON.stringify(s.all('networks'));
  const refuse = async (req: Parameters<typeof createNetwork>[1], re: RegExp) =>
    assert.rejects(s.update((tx) => createNetwork(tx, req)), (err: unknown) => err instanceof NetworkError && re.test(err.message));
  await refuse({ Name: 'a' }, /already exists/);
  await refuse({ Name: 'd', IPAM: { Config: [{ Subnet: '10.0.1.128/25' }] } }, /overlaps network b/);
  await refuse({ Name: 'd', IPAM: { Config: [{ Subnet: 'nonsense' }] } }, /invalid subnet/);
  await refuse({ Name: 'd', IPAM: { Config: [{ Subnet: '10.9.0.0/24', Gateway: '10.8.0.1' }] } }, /not a usable address/);
  await refuse({ Name: 'bad name!' }, /invalid network name/);
  await refuse({ Name: 'e', Driver: 'bridge' }, /not supported/);
  assert.equal(JSON.stringify(s.all('networks')), before);
});

test('allocator: new tasks get addresses and become pending; VIPs and dynamic ports are stable', async () => {
  const s = await store();
  const net = await s.update((tx) => createNetwork(tx, { Name: 'front' }));
  await s.update((tx) => {
    tx.create('services', {
      ID: 'svc',
      Spec: {
        Name: 'web',
        TaskTemplate: { ContainerSpec: { Image: 'img' }, Networks: [{ Target: 'front' }] },
        Mode: { Replicated: { Replicas: 2 } },
        EndpointSpec: { Ports: [{ Protocol: 'tcp', TargetPort: 80, PublishMode: 'ingress' }] },
      },
      Endpoint: { Spec: {} },
    });
    for (const id of ['t1', 't2']) {
      tx.create('tasks', {
        ID: id,
        ServiceID: 'svc',
        Spec: { ContainerSpec: { Image: 'img' }, Networks: [{ Target: 'front' }] },
        Status: { Timestamp: '', State: 'new', Message: '' },
        DesiredState: 'running',
      });
    }
  });
  await s.update((tx) => allocate(tx));
  const svc = s.get('services', 'svc');
  assert.deepEqual(svc?.Endpoint.VirtualIPs, [{ NetworkID: net.ID, Addr: '10.0.0.2/24' }]);
  assert.equal(svc?.Endpoint.Ports?.[0]?.PublishedPort, 30000);
  const addrs = ['t1', 't2'].map((id) => s.get('tasks', id)?.NetworksAttachments?.[0]?.Addresses[0]).sort();
  assert.deepEqual(addrs, ['10.0.0.3/24', '10.0.0.4/24']);
  assert.ok(['t1', 't2'].every((id) => s.get('tasks', id)?.Status.State === 'pending'));
  // A second pass changes nothing.
  const seq = s.seq;
  await s.update((tx) => allocate(tx));
  assert.equal(s.seq, seq);
  // The network cannot be removed while a service uses it.
  await assert.rejects(s.update((tx) => removeNetwork(tx, 'front')), /in use by service web/);
});
