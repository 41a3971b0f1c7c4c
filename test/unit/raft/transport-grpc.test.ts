// The gRPC transport on its own: delivery, reconnection after the peer
// restarts (with backoff), and dropping of spoofed senders.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { GrpcTransport } from '../../../src/raft/transport-grpc.js';
import type { Message } from '../../../src/raft/types.js';

const logger = pino({ level: 'silent' });
const SECRET = 'transport-secret';

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const hb = (term: number): Message => ({ type: 'heartbeat', from: 'a', to: 'b', term, commit: 0 });

void test('delivers messages and reconnects after the peer restarts', async () => {
  const a = await GrpcTransport.listen({ id: 'a', listen: '127.0.0.1:0', secret: SECRET, logger, minBackoffMs: 20, maxBackoffMs: 200 });
  let b = await GrpcTransport.listen({ id: 'b', listen: '127.0.0.1:0', secret: SECRET, logger });
  const got: Message[] = [];
  b.setHandler((m) => got.push(m));
  a.setPeer('b', b.address);
  try {
    a.send(hb(1));
    await until('first delivery', () => got.length === 1);
    assert.deepEqual(got[0], hb(1));

    const addr = b.address;
    await b.stop();
    for (let i = 0; i < 5; i++) a.send(hb(2)); // dropped: peer down, stream breaks
    await new Promise((r) => setTimeout(r, 100));
    b = await GrpcTransport.listen({ id: 'b', listen: addr, secret: SECRET, logger });
    b.setHandler((m) => got.push(m));
    // Raft retries every heartbeat; so do we, until one gets through.
    await until('delivery after restart', () => {
      a.send(hb(3));
      return got.some((m) => m.term === 3);
    });
  } finally {
    await a.stop();
    await b.stop();
  }
});

void test('drops messages whose sender does not match the authenticated peer', async () => {
  const a = await GrpcTransport.listen({ id: 'a', listen: '127.0.0.1:0', secret: SECRET, logger });
  const b = await GrpcTransport.listen({ id: 'b', listen: '127.0.0.1:0', secret: SECRET, logger });
  const got: Message[] = [];
  b.setHandler((m) => got.push(m));
  a.setPeer('b', b.address);
  try {
    a.send({ ...hb(1), from: 'c' }); // claims to be c on a's authenticated stream
    a.send(hb(2));
    await until('the honest message', () => got.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got.map((m) => m.from), ['a']);
  } finally {
    await a.stop();
    await b.stop();
  }
});
