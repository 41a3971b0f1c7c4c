// A Dispatcher served over real gRPC on 127.0.0.1 (an ephemeral port), for tests that connect
// real Agents to it. The Join RPC (manager joins) is not served here.
import * as grpc from '@grpc/grpc-js';
import { dispatcherProto } from '../../src/common/proto.js';
import type { Dispatcher } from '../../src/manager/dispatcher/dispatcher.js';

export async function serveDispatcher(dispatcher: Dispatcher): Promise<{ server: grpc.Server; addr: string }> {
  const server = new grpc.Server();
  server.addService(
    dispatcherProto().tsswarm.dispatcher.v1.Dispatcher.service,
    dispatcher.handlers((_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in this test' })),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, addr: `127.0.0.1:${port}` };
}
