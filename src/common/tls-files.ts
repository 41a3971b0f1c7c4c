// Mutual TLS material for the control API, as dockerd and the docker CLI take it: the CA that
// signs the other side's certificates, and this side's certificate and key (PEM files). Used by the manager
// (server: clients must present a certificate the CA signed) and by the CLI (client: the
// manager's certificate must be signed by the CA and name the host dialled).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * The PEM contents, checked: each parses, the CA is a CA, the key belongs to the certificate,
 * which is valid now. Whether `cert` is signed by `ca` is not asked: the CA is the one that
 * must have signed the *other* side's certificate, and the two sides may use different CAs.
 */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** Subject and validity of `cert`, for logs. */
  subject: string;
  validTo: string;
}

/** Bad TLS input: names the flag/file and what is wrong with it. */
export class TlsConfigError extends Error {
  readonly code = 'TLS_CONFIG' as const;
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'TlsConfigError';
  }
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new TlsConfigError(file, `cannot read the ${what}: ${why}`, { cause: err });
  }
}

function certificate(file: string, pem: Buffer, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new TlsConfigError(file, `the ${what} is not a PEM certificate`, { cause: err });
  }
}

/** Reads and checks the three files; throws TlsConfigError naming the first problem. */
export function loadTlsFiles(files: TlsFiles, now = new Date()): TlsMaterial {
  const ca = read(files.ca, 'CA certificate');
  const cert = read(files.cert, 'certificate');
  const key = read(files.key, 'private key');
  const caCert = certificate(files.ca, ca, 'CA certificate');
  if (!caCert.ca) throw new TlsConfigError(files.ca, 'this certificate is not a CA (basicConstraints CA:TRUE is missing)');
  const own = certificate(files.cert, cert, 'certificate');
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TlsConfigError(files.key, 'the private key is not a PEM key (or it is encrypted)', { cause: err });
  }
  if (!own.checkPrivateKey(privateKey)) throw new TlsConfigError(files.key, `this key does not belong to the certificate in ${files.cert}`);
  if (Date.parse(own.validTo) < now.getTime()) throw new TlsConfigError(files.cert, `this certificate expired on ${own.validTo}`);
  if (Date.parse(own.validFrom) > now.getTime()) throw new TlsConfigError(files.cert, `this certificate is not valid before ${own.validFrom}`);
  return { ca, cert, key, subject: own.subject.replaceAll('\n', ', '), validTo: own.validTo };
}
