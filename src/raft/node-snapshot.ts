// What a RaftNode puts in a Raft snapshot: the peer address book (so a
// restarted or newly joined node can reach everyone) and the FSM's bytes.
// Layout: u32 length | address-book JSON | FSM data.

import type { NodeId } from './types.js';

export interface NodeSnapshotData {
  readonly addresses: Record<NodeId, string>;
  readonly fsm: Uint8Array;
}

export function encodeNodeSnapshot(d: NodeSnapshotData): Uint8Array {
  const head = Buffer.from(JSON.stringify(d.addresses), 'utf8');
  const out = Buffer.allocUnsafe(4 + head.byteLength + d.fsm.byteLength);
  out.writeUInt32LE(head.byteLength, 0);
  head.copy(out, 4);
  out.set(d.fsm, 4 + head.byteLength);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export function decodeNodeSnapshot(data: Uint8Array): NodeSnapshotData {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (buf.byteLength < 4) return { addresses: {}, fsm: new Uint8Array(0) };
  const len = buf.readUInt32LE(0);
  const addresses = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as Record<NodeId, string>;
  return { addresses, fsm: new Uint8Array(buf.subarray(4 + len)) };
}
