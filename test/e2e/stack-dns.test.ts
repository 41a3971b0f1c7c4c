// A stack's short service names on the bed (manager on host 1, drained; one worker): the
// stack file goes through the real parser and converter (as `tsswarm stack deploy` does), so
// each service is `demo_NAME` with the alias `NAME` on each of its networks. From inside a
// task, the worker's DNS resolver answers the short name and `tasks.NAME` on the network
// where the alias is set, and nothing for a service on a network the client is not on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { convertStack } from '../../src/stack/convert.js';
import { parseStackFile } from '../../src/stack/parse.js';
import { Bed } from '../harness/bed.js';
import { BedCluster, type RunningTask } from '../unit/worker-network/bed-cluster.js';

const skip = await Bed.unavailable();

const STACK = `
version: "3.8"
services:
  web:
    image: tsswarm/web
    stop_grace_period: 1s
    deploy: { replicas: 2 }
    networks: [front]
  db:
    image: tsswarm/web
    stop_grace_period: 1s
    deploy: { endpoint_mode: dnsrr }
    networks: [back]
  client:
    image: tsswarm/web
    stop_grace_period: 1s
    networks:
      front: { aliases: [front-door] }
      back: {}
networks:
  front: {}
  back: {}
`;

/** Addresses nslookup printed for the name (after the "Name:" line), sorted. */
function nslookupAddrs(out: string): string[] {
  const i = out.indexOf('Name:');
  if (i < 0) return [];
  return [...new Set(out.slice(i).match(/\b\d+\.\d+\.\d+\.\d+\b/g) ?? [])].sort();
}

describe('stack short names resolve through network aliases (bed, 2 hosts)', { skip, timeout: 300_000 }, () => {
  let c: BedCluster;
  const nets = new Map<string, string>();

  before(async () => {
    c = await BedCluster.start(2);
    const stack = convertStack('demo', parseStackFile(STACK).model);
    for (const n of stack.networks) nets.set(n.Name, await c.createNetwork(n.Name));
    for (const s of stack.services) await c.createService(s as unknown as Record<string, unknown>);
  });

  after(async () => {
    await c?.down();
  });

  test('web, tasks.web, front-door and db answer where their aliases are set; db is invisible from front', async () => {
    const front = nets.get('demo_front') ?? '';
    const back = nets.get('demo_back') ?? '';
    const web = await c.running('demo_web', 2);
    const [db] = await c.running('demo_db', 1);
    const [client] = await c.running('demo_client', 1);
    assert.ok(db && client);
    const vip = async (service: string, net: string): Promise<string> => {
      const s = (await c.api('GET', `/services/${service}`)) as { Endpoint: { VirtualIPs: Array<{ NetworkID: string; Addr: string }> } };
      return s.Endpoint.VirtualIPs.find((v) => v.NetworkID === net)?.Addr.split('/')[0] ?? '';
    };
    const ask = async (t: RunningTask, name: string): Promise<string[]> => nslookupAddrs((await c.sh(t, `nslookup ${name}`)).stdout);

    assert.deepEqual(await ask(client, 'web'), [await vip('demo_web', front)]);
    assert.deepEqual(await ask(client, 'tasks.web'), web.map((t) => t.addrs.get(front) ?? '').sort());
    assert.deepEqual(await ask(client, 'db'), [db.addrs.get(back) ?? '']);
    const fromWeb = web[0];
    assert.ok(fromWeb);
    assert.deepEqual(await ask(fromWeb, 'client'), [await vip('demo_client', front)]);
    assert.deepEqual(await ask(fromWeb, 'FRONT-DOOR'), [await vip('demo_client', front)]);
    // db is on back only; web's task is on front only: neither the name nor the alias is seen.
    assert.deepEqual(await ask(fromWeb, 'db'), []);
    assert.deepEqual(await ask(fromWeb, 'demo_db'), []);
  });
});
