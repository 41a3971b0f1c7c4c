// The Engine API versions tsswarm announces. The docker CLI negotiates down to API_VERSION
// from `/_ping`; every route also answers under a `/v{major}.{minor}` prefix.

/** Highest Engine API version served (the shapes tsswarm returns match it). */
export const API_VERSION = '1.45';
/** Lowest version accepted in a `/vX.Y/` prefix. */
export const MIN_API_VERSION = '1.24';

const PREFIX_RE = /^\/v(\d+)\.(\d+)(?=\/|$)/;

/** `/v1.45/services?x` → `/services?x`; other URLs unchanged. */
export function stripVersionPrefix(url: string): string {
  const stripped = url.replace(PREFIX_RE, '');
  return stripped === '' || stripped.startsWith('?') ? `/${stripped}` : stripped;
}

function compare(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am !== bm ? am - bm : an - bn;
}

/** Docker's message if the version in `url`'s prefix is out of range, else undefined. */
export function versionProblem(url: string): string | undefined {
  const m = PREFIX_RE.exec(url);
  if (!m) return undefined;
  const v = `${m[1]}.${m[2]}`;
  if (compare(v, API_VERSION) > 0) {
    return `client version ${v} is too new. Maximum supported API version is ${API_VERSION}`;
  }
  if (compare(v, MIN_API_VERSION) < 0) {
    return `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`;
  }
  return undefined;
}
