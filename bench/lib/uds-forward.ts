// A unix-socket -> TCP forwarder, run inside a bed host's network namespace so that the
// benchmark process (root namespace, no route to the underlay or the host's loopback) can
// reach a service that listens on the host's own 127.0.0.1. Unix sockets ignore network
// namespaces, so the socket is reachable from the root namespace.
//
//   node --import tsx bench/lib/uds-forward.ts SOCKET_PATH HOST:PORT
//
// Prints "ready" once listening; removes the socket on SIGTERM/SIGINT.
import { rmSync } from 'node:fs';
import net from 'node:net';

const [socketPath, target] = process.argv.slice(2);
if (!socketPath || !target || !/^[^:]+:\d+$/.test(target)) {
  console.error('usage: uds-forward.ts SOCKET_PATH HOST:PORT');
  process.exit(2);
}
const sep = target.lastIndexOf(':');
const host = target.slice(0, sep);
const port = Number(target.slice(sep + 1));

rmSync(socketPath, { force: true });
const server = net.createServer((client) => {
  const upstream = net.connect(port, host);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.on('error', (err) => {
  console.error(`uds-forward: ${String(err)}`);
  process.exit(1);
});
server.listen(socketPath, () => console.log('ready'));

const stop = (): void => {
  server.close();
  rmSync(socketPath, { force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
