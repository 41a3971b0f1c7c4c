// HTTP client for the manager's Docker Engine API. Every CLI command that talks to a
// running swarm goes through here; nothing else in src/cli opens sockets.

import { exchange, type ExchangeTls } from '../common/http-exchange.js';
import { CliError, UsageError } from './errors.js';

/** Client side of the API's mutual TLS (docker's --tlsverify): PEM contents. */
export type ClientTls = ExchangeTls;

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
    // A TLS failure or a reset connection means something answered: the hint is for silence.
    const hint = /^TLS|\(/.test(reason) ? '' : ' (is the manager running? set -H or TSSWARM_HOST)';
    super(`cannot reach the manager API at ${host}: ${reason}${hint}`, { cause });
    this.name = 'ApiUnreachableError';
    this.host = host;
    this.reason = reason;
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

/**
 * `tcp://HOST:PORT` (also `http://`, `https://` or bare `HOST:PORT`) → base URL; with TLS the
 * URL is https and the default port 2376, as for docker.
 */
export function parseHost(host: string, tls = false): { display: string; baseUrl: string } {
  const m = /^(?:(tcp|http|https):\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?\/?$/.exec(host.trim());
  const port = m?.[3] === undefined ? (tls ? 2376 : 2375) : Number(m[3]);
  if (!m || !m[2] || port < 1 || port > 65535) {
    throw new UsageError(`invalid host "${host}": expected tcp://HOST:PORT`);
  }
  if (m[1] === 'https' && !tls) throw new UsageError(`host "${host}" is https: use --tlsverify (with --tlscacert, --tlscert, --tlskey)`);
  const display = `tcp://${m[2]}:${port}`;
  return { display, baseUrl: `${tls ? 'https' : 'http'}://${m[2]}:${port}/v${API_VERSION}` };
}

/** What went wrong, in words, from a socket or TLS error (Node's error codes). */
function describeNetworkError(err: unknown, tls: boolean): string {
  const e = err as { code?: string; name?: string; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'request timed out';
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'ECONNRESET':
    case 'EPIPE':
      // A TLS server drops a plain HTTP request without an answer.
      return tls ? 'TLS: the manager closed the connection (it may have refused this client certificate)' : 'connection reset (if the manager serves TLS, use --tlsverify)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return "TLS: the manager's certificate is not signed by the CA in --tlscacert";
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS: the manager's certificate is not valid for this address (${e.message ?? ''})`;
    case 'CERT_HAS_EXPIRED':
      return "TLS: the manager's certificate has expired";
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      if (/wrong version number|packet length too long|http request/i.test(e.message ?? '')) return 'TLS: the manager does not speak TLS on this address (drop --tlsverify?)';
      break;
    default:
      break;
  }
  if (/certificate required|bad certificate|unknown ca|certificate unknown/i.test(e.message ?? '')) return 'TLS: the manager refused this client certificate (not signed by its CA?)';
  return e.message ?? String(err);
}

export class ApiClient {
  readonly host: string;
  private readonly baseUrl: string;

  constructor(
    host: string,
    private readonly tls?: ClientTls,
  ) {
    const parsed = parseHost(host, tls !== undefined);
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
    let res;
    try {
      res = await exchange(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        tls: this.tls,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
    } catch (err) {
      throw new ApiUnreachableError(this.host, describeNetworkError(err, this.tls !== undefined), err);
    }
    const text = res.body.toString('utf8');
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (res.status < 200 || res.status > 299) {
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
