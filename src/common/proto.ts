// Loads the .proto files at run time with @grpc/proto-loader; the static types come from
// src/generated (scripts/gen-proto.sh), so the options here must match that script's.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as DispatcherProto } from '../generated/dispatcher.js';

const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto');

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

export function loadProto<T>(file: string): T {
  const def = protoLoader.loadSync(path.join(PROTO_DIR, file), LOADER_OPTIONS);
  return grpc.loadPackageDefinition(def) as unknown as T;
}

let dispatcher: DispatcherProto | undefined;

export function dispatcherProto(): DispatcherProto {
  dispatcher ??= loadProto<DispatcherProto>('dispatcher.proto');
  return dispatcher;
}
