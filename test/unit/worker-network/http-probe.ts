// A probe run inside a bed host (bed.spawn / bed.exec): COUNT sequential HTTP GETs, each on a
// new TCP connection, one every INTERVAL ms (0: back to back), each with a TIMEOUT; prints one
// line per request: `<epoch ms> ok <body>` or `<epoch ms> err <code>`. With COUNT 0 it runs
// until SIGTERM. Used by test/e2e/lb.test.ts.
//   node --import tsx http-probe.ts URL COUNT INTERVAL_MS TIMEOUT_MS
import http from 'node:http';

const [url = '', countArg = '100', intervalArg = '0', timeoutArg = '1000'] = process.argv.slice(2);
const count = Number(countArg);
const interval = Number(intervalArg);
const timeout = Number(timeoutArg);
let stop = false;
process.on('SIGTERM', () => (stop = true));

function once(): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(`ok ${body.trim()}`));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(`err ${e.code ?? e.message}`));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`err ${e.code ?? e.message}`));
  });
}

const lines: string[] = [];
for (let i = 0; (count === 0 || i < count) && !stop; i++) {
  const t = Date.now();
  lines.push(`${t} ${await once()}`);
  if (count === 0) process.stdout.write(`${lines.pop()}\n`);
  const wait = interval - (Date.now() - t);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
