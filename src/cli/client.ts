// HTTP client for the manager's Docker Engine API. Every CLI command that talks to a
// running swarm goes through here; nothing else in src/cli opens sockets.

import { CliError, UsageError } from './errors.js';

export const API_VERSION = '1.45';
export const DEFAULT_HOST = 'tcp://127.0.0.1:2375';
/** A request that has not answered in this long is abandoned (milliseconds). */
const REQUEST_TIMEOUT_MS = 30_000;

/** Thrown when the API answers 4xx/5xx; `message` is the API's own `{"message": …}`. */
export class ApiError extends CliError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

/** Thrown when no HTTP answer came back at all (refused, unknown host, timeout). */
export class ApiUnreachableError extends CliError {
  readonly host: string;
  readonly reason: string;
  constructor(host: string, reason: string, cause?: unknown) {
    super(
      `cannot reach the manager API at ${host}: ${reason} (is the manager running? set -H or TSSWARM_HOST)`,
      { cause },
    );
    this.name = 'ApiUnreachableError';
    this.host = host;
    this.reason = reason;
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

/** `tcp://HOST:PORT` (also `http://HOST:PORT` or bare `HOST:PORT`) → base URL. */
export function parseHost(host: string): { display: string; baseUrl: string } {
  const m = /^(?:(tcp|http):\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?\/?$/.exec(host.trim());
  const port = m?.[3] === undefined ? 2375 : Number(m[3]);
  if (!m || !m[2] || port < 1 || port > 65535) {
    throw new UsageError(`invalid host "${host}": expected tcp://HOST:PORT`);
  }
  const display = `tcp://${m[2]}:${port}`;
  return { display, baseUrl: `http://${m[2]}:${port}/v${API_VERSION}` };
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'request timed out';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return cause?.message ?? (err instanceof Error ? err.message : String(err));
  }
}

export class ApiClient {
  readonly host: string;
  private readonly baseUrl: string;

  constructor(host: string) {
    const parsed = parseHost(host);
    this.host = parsed.display;
    this.baseUrl = parsed.baseUrl;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.request<T>('POST', path, query, body);
  }

  delete(path: string, query?: Query): Promise<unknown> {
    return this.request<unknown>('DELETE', path, query);
  }

  async request<T>(method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new ApiUnreachableError(this.host, describeNetworkError(err), err);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!res.ok) {
      const msg =
        parsed !== null && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string'
          ? (parsed as { message: string }).message
          : `${method} ${path}: HTTP ${res.status}${text ? `: ${text.trim().slice(0, 200)}` : ''}`;
      throw new ApiError(res.status, msg);
    }
    if (parsed === undefined && text.length > 0) {
      throw new CliError(`${method} ${path}: the manager answered with invalid JSON`);
    }
    return parsed as T;
  }
}

/** Engine API filter encoding: `{"service":["web"],"desired-state":["running"]}`. */
export function filters(f: Record<string, string[] | undefined>): string {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(f)) if (v && v.length > 0) out[k] = v;
  return JSON.stringify(out);
}
