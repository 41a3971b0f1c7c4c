// One HTTP or HTTPS request/response, the body read whole: what the CLI's API client and a
// follower forwarding a write to the leader both need. With `tls`, the peer's certificate must
// be signed by `tls.ca` and name the host, and this side presents `tls.cert`.
import http from 'node:http';
import https from 'node:https';

export interface ExchangeTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface ExchangeRequest {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  tls?: ExchangeTls;
  timeoutMs: number;
}

export interface ExchangeResponse {
  status: number;
  contentType: string | undefined;
  body: Buffer;
}

/** Resolves with whatever status came back; rejects only when no answer did (socket, TLS, timeout). */
export function exchange(url: URL, r: ExchangeRequest): Promise<ExchangeResponse> {
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  const options: https.RequestOptions = {
    method: r.method,
    headers: { ...r.headers, ...(body !== undefined ? { 'content-length': String(body.length) } : {}) },
    signal: AbortSignal.timeout(r.timeoutMs),
    // One request, one connection: no pool that would keep a short-lived process alive.
    agent: false,
    ...(r.tls !== undefined ? { ca: r.tls.ca, cert: r.tls.cert, key: r.tls.key, minVersion: 'TLSv1.2' as const } : {}),
  };
  return new Promise<ExchangeResponse>((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks) }));
      res.on('error', reject);
    };
    const req = r.tls !== undefined ? https.request(url, options, onResponse) : http.request(url, options, onResponse);
    req.on('error', reject);
    req.end(body);
  });
}
