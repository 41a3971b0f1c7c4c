// Join tokens in Docker's shape: SWMTKN-1-<cluster digest>-<secret>. The digest half names
// the cluster (so a token for another cluster is told apart from a typo); the secret half
// tells a worker token from a manager token.
import { randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'SWMTKN-1-';
const TOKEN_RE = /^SWMTKN-1-([0-9a-z]{50})-([0-9a-z]{25})$/;

export class InvalidTokenError extends Error {
  constructor(reason: string) {
    super(`invalid join token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

function base36(bytes: number, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(bytes)) out += (b % 36).toString(36);
  }
  return out.slice(0, length);
}

export function newClusterDigest(): string {
  return base36(64, 50);
}

export function newJoinToken(clusterDigest: string): string {
  return `${PREFIX}${clusterDigest}-${base36(32, 25)}`;
}

export type TokenRole = 'worker' | 'manager';

/** Returns the role the token grants, or throws InvalidTokenError saying why not. */
export function checkJoinToken(token: string, tokens: { Worker: string; Manager: string }): TokenRole {
  const m = TOKEN_RE.exec(token);
  if (!m) throw new InvalidTokenError('malformed (expected SWMTKN-1-<50 chars>-<25 chars>)');
  const [, digest] = m;
  const ours = TOKEN_RE.exec(tokens.Worker);
  if (!ours || digest !== ours[1]) throw new InvalidTokenError('it belongs to a different cluster');
  if (safeEqual(token, tokens.Worker)) return 'worker';
  if (safeEqual(token, tokens.Manager)) return 'manager';
  throw new InvalidTokenError('the secret does not match (was it rotated?)');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The cluster half of a token (shared by the worker and manager tokens of one cluster). */
export function clusterDigestOf(token: string): string {
  const m = TOKEN_RE.exec(token);
  if (!m?.[1]) throw new InvalidTokenError('malformed (expected SWMTKN-1-<50 chars>-<25 chars>)');
  return m[1];
}
