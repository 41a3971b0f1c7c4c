// A small TCP/unix-socket forwarder for the demo: unix sockets cross network namespaces,
// TCP ports do not, so the demo bridges the root namespace's loopback to a bed host's.
//   node --import tsx deploy/demo/forward.ts LISTEN TARGET [--pid-file FILE]
//   LISTEN/TARGET: tcp:HOST:PORT or unix:PATH
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';

type Endpoint = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

function parse(spec: string | undefined): Endpoint {
  const tcp = /^tcp:(.+):(\d+)$/.exec(spec ?? '');
  if (tcp) return { kind: 'tcp', host: tcp[1] ?? '127.0.0.1', port: Number(tcp[2]) };
  if (spec?.startsWith('unix:') && spec.length > 5) return { kind: 'unix', path: spec.slice(5) };
  process.stderr.write(`forward: bad endpoint "${spec}": use tcp:HOST:PORT or unix:PATH\n`);
  process.exit(2);
}

const [listenSpec, targetSpec, flag, pidFile] = process.argv.slice(2);
const listen = parse(listenSpec);
const target = parse(targetSpec);
const connect = () => (target.kind === 'tcp' ? net.connect(target.port, target.host) : net.connect(target.path));

const server = net.createServer((client) => {
  const upstream = connect();
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
if (listen.kind === 'unix') rmSync(listen.path, { force: true });
server.on('error', (err) => {
  process.stderr.write(`forward: cannot listen on ${listenSpec}: ${err.message}\n`);
  process.exit(1);
});
const ready = () => {
  if (flag === '--pid-file' && pidFile) writeFileSync(pidFile, String(process.pid));
  process.stdout.write('ready\n');
};
if (listen.kind === 'tcp') server.listen(listen.port, listen.host, ready);
else server.listen(listen.path, ready);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
