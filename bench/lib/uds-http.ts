// JSON over HTTP on a unix socket: Docker engines of the bed (unix:///run/tsbed/HOST/docker.sock)
// and the tsswarm API behind bench/lib/uds-forward.ts. Never throws for an HTTP status; throws
// on connection errors and on the time limit.
import http from 'node:http';

export interface UdsResponse {
  status: number;
  body: unknown;
  text: string;
}

export function udsRequest(socketPath: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<UdsResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath,
        method,
        path,
        agent: false,
        headers: { host: 'localhost', ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: the caller has the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} on ${socketPath}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Like udsRequest, but throws unless the status is 2xx; returns the parsed body. */
export async function udsJson(socketPath: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<unknown> {
  const r = await udsRequest(socketPath, method, path, body, timeoutMs);
  if (r.status < 200 || r.status >= 300) throw new Error(`${method} ${path} on ${socketPath}: ${r.status} ${r.text.trim()}`);
  return r.body;
}

/** Filters as the Docker API takes them, URL-encoded: {"service":["x"]} -> ?filters=… */
export function filtersQuery(filters: Record<string, string[]>): string {
  return `filters=${encodeURIComponent(JSON.stringify(filters))}`;
}
