// gRPC transport between Raft peers. One outbound client stream per peer;
// a broken stream is dropped (Raft tolerates message loss) and reopened
// after an exponential backoff. Every inbound call must carry the shared
// cluster secret; others are refused with UNAUTHENTICATED.

import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Message, NodeId } from './types.js';
import { decodeMessage, encodeMessage } from './wire.js';

export interface RaftTransport {
  /** Address peers should dial to reach this node. */
  readonly address: string;
  setHandler(onMessage: (m: Message) => void): void;
  send(m: Message): void;
  setPeer(id: NodeId, address: string): void;
  removePeer(id: NodeId): void;
  stop(): Promise<void>;
}

export interface GrpcTransportOptions {
  readonly id: NodeId;
  /** host:port to bind; port 0 picks a free one. */
  readonly listen: string;
  readonly secret: string;
  readonly logger: Logger;
  /** Backoff bounds for reopening a broken stream. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

/** Thrown (as a gRPC status to the caller) when a peer presents a wrong or no cluster secret. */
export class PeerAuthError extends Error {
  readonly code = 'RAFT_PEER_UNAUTHENTICATED';
  constructor(readonly peer: string) {
    super(`raft peer ${peer || '(unknown)'} refused: missing or wrong cluster secret`);
    this.name = 'PeerAuthError';
  }
}

interface RaftClient extends grpc.Client {
  Stream(md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void): grpc.ClientWritableStream<Message>;
  InstallSnapshot(m: Message, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null) => void): grpc.ClientUnaryCall;
}

type ClientCtor = new (address: string, creds: grpc.ChannelCredentials, opts?: grpc.ChannelOptions) => RaftClient;

// Service tsswarm.raft.Raft of proto/raft.proto with the hand-written codec of wire.ts
// (no intermediate objects). The server takes raw bytes and decodes them in deliver(),
// so a malformed message is logged and dropped instead of failing the whole stream.
const EMPTY = Buffer.alloc(0);
const ackCodec = { responseSerialize: (): Buffer => EMPTY, responseDeserialize: (): object => ({}) };
const SERVICE = {
  Stream: {
    path: '/tsswarm.raft.Raft/Stream', originalName: 'stream', requestStream: true, responseStream: false,
    requestSerialize: encodeMessage, requestDeserialize: (b: Buffer): Buffer => b, ...ackCodec,
  },
  InstallSnapshot: {
    path: '/tsswarm.raft.Raft/InstallSnapshot', originalName: 'installSnapshot', requestStream: false, responseStream: false,
    requestSerialize: encodeMessage, requestDeserialize: (b: Buffer): Buffer => b, ...ackCodec,
  },
} satisfies grpc.ServiceDefinition;

function loadService(): { ctor: ClientCtor; service: grpc.ServiceDefinition } {
  return { ctor: grpc.makeGenericClientConstructor(SERVICE, 'Raft') as unknown as ClientCtor, service: SERVICE };
}

interface Peer {
  address: string;
  client: RaftClient;
  stream: grpc.ClientWritableStream<Message> | undefined;
  backoffMs: number;
  retryAt: number;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export class GrpcTransport implements RaftTransport {
  private readonly peers = new Map<NodeId, Peer>();
  private handler: (m: Message) => void = () => {};
  private readonly secretDigest: Buffer;
  private readonly ctor: ClientCtor;
  private stopped = false;

  private constructor(private readonly opts: GrpcTransportOptions, private readonly server: grpc.Server, readonly address: string, ctor: ClientCtor) {
    this.secretDigest = digest(opts.secret);
    this.ctor = ctor;
  }

  static async listen(opts: GrpcTransportOptions): Promise<GrpcTransport> {
    const { ctor, service } = loadService();
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 512 * 1024 * 1024 });
    const host = opts.listen.slice(0, opts.listen.lastIndexOf(':'));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(opts.listen, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const t = new GrpcTransport(opts, server, `${host}:${port}`, ctor);
    server.addService(service, {
      Stream: (call: grpc.ServerReadableStream<Buffer, object>, cb: grpc.sendUnaryData<object>) => t.onStream(call, cb),
      InstallSnapshot: (call: grpc.ServerUnaryCall<Buffer, object>, cb: grpc.sendUnaryData<object>) => t.onSnapshot(call, cb),
    });
    return t;
  }

  setHandler(onMessage: (m: Message) => void): void {
    this.handler = onMessage;
  }

  /** Checks the secret and learns the caller's address; returns the peer id or an error. */
  private authenticate(md: grpc.Metadata): { from: string } | PeerAuthError {
    const from = String(md.get('x-raft-from')[0] ?? '');
    const secret = md.get('x-raft-secret')[0];
    if (typeof secret !== 'string' || !timingSafeEqual(digest(secret), this.secretDigest)) return new PeerAuthError(from);
    const addr = md.get('x-raft-addr')[0];
    if (from && typeof addr === 'string' && !this.peers.has(from)) this.setPeer(from, addr);
    return { from };
  }

  private onStream(call: grpc.ServerReadableStream<Buffer, object>, cb: grpc.sendUnaryData<object>): void {
    const auth = this.authenticate(call.metadata);
    if (auth instanceof PeerAuthError) {
      this.opts.logger.warn({ peer: auth.peer }, auth.message);
      cb({ code: grpc.status.UNAUTHENTICATED, details: auth.message });
      return;
    }
    call.on('data', (b: Buffer) => this.deliver(b, auth.from));
    call.on('end', () => cb(null, {}));
    call.on('error', () => {});
  }

  private onSnapshot(call: grpc.ServerUnaryCall<Buffer, object>, cb: grpc.sendUnaryData<object>): void {
    const auth = this.authenticate(call.metadata);
    if (auth instanceof PeerAuthError) {
      cb({ code: grpc.status.UNAUTHENTICATED, details: auth.message });
      return;
    }
    this.deliver(call.request, auth.from);
    cb(null, {});
  }

  private deliver(b: Buffer, from: string): void {
    if (this.stopped) return;
    try {
      const m = decodeMessage(b);
      if (m.to !== this.opts.id || m.from !== from) return; // misrouted or spoofed
      const p = this.peers.get(from);
      if (p) p.backoffMs = this.opts.minBackoffMs ?? 50; // the peer is alive again
      this.handler(m);
    } catch (e) {
      this.opts.logger.warn({ err: e, from }, 'dropping malformed raft message');
    }
  }

  setPeer(id: NodeId, address: string): void {
    if (id === this.opts.id) return;
    const old = this.peers.get(id);
    if (old?.address === address) return;
    if (old) this.closePeer(old);
    const client = new this.ctor(address, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': 512 * 1024 * 1024,
      'grpc.initial_reconnect_backoff_ms': this.opts.minBackoffMs ?? 50,
      'grpc.max_reconnect_backoff_ms': this.opts.maxBackoffMs ?? 1000,
    });
    this.peers.set(id, { address, client, stream: undefined, backoffMs: this.opts.minBackoffMs ?? 50, retryAt: 0 });
  }

  removePeer(id: NodeId): void {
    const p = this.peers.get(id);
    if (p) this.closePeer(p);
    this.peers.delete(id);
  }

  private closePeer(p: Peer): void {
    p.stream?.end();
    p.stream = undefined;
    p.client.close();
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('x-raft-secret', this.opts.secret);
    md.set('x-raft-from', this.opts.id);
    md.set('x-raft-addr', this.address);
    return md;
  }

  send(m: Message): void {
    if (this.stopped) return;
    const p = this.peers.get(m.to);
    if (!p) return; // unknown peer: Raft will retry
    if (m.snapshot) {
      p.client.InstallSnapshot(m, this.metadata(), { deadline: Date.now() + 60_000 }, (err) => {
        if (err) this.opts.logger.warn({ peer: m.to, code: err.code, details: err.details }, 'snapshot send failed');
      });
      return;
    }
    const stream = this.streamTo(m.to, p);
    stream?.write(m);
  }

  private streamTo(id: NodeId, p: Peer): grpc.ClientWritableStream<Message> | undefined {
    if (p.stream) return p.stream;
    if (Date.now() < p.retryAt) return undefined; // backing off: drop
    const stream = p.client.Stream(this.metadata(), (err) => {
      if (p.stream === stream) p.stream = undefined;
      if (!err || this.stopped) return;
      if (err.code === grpc.status.UNAUTHENTICATED) this.opts.logger.error({ peer: id, details: err.details }, 'peer refused our cluster secret');
      p.retryAt = Date.now() + p.backoffMs;
      p.backoffMs = Math.min(p.backoffMs * 2, this.opts.maxBackoffMs ?? 1000);
    });
    stream.on('error', () => {}); // reported through the callback above
    p.stream = stream;
    return stream;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.peers.values()) this.closePeer(p);
    this.peers.clear();
    // Inbound peer streams never end on their own, so do not wait for them.
    this.server.forceShutdown();
  }
}
