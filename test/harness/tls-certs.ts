// Test certificates made with the openssl CLI (Debian's): a CA, a server certificate for
// 127.0.0.1 / localhost (also usable as a client: a manager presents it to the leader), a client certificate, and the same pair from a second CA that the
// server does not trust. Everything lives in one temporary directory; call remove() after.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CertSet {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by another CA, and that CA. */
  rogueCa: string;
  rogueCert: string;
  rogueKey: string;
  remove(): void;
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

function makeLeaf(dir: string, ca: string, name: string, ext: string): void {
  writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
}

export function makeCerts(): CertSet {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tsswarm-tls-'));
  makeCa(dir, 'ca');
  makeLeaf(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth');
  makeLeaf(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth');
  makeCa(dir, 'rogue-ca');
  makeLeaf(dir, 'rogue-ca', 'rogue', 'extendedKeyUsage=clientAuth');
  const p = (f: string): string => path.join(dir, f);
  return {
    dir,
    ca: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server-key.pem'),
    clientCert: p('client.pem'),
    clientKey: p('client-key.pem'),
    rogueCa: p('rogue-ca.pem'),
    rogueCert: p('rogue.pem'),
    rogueKey: p('rogue-key.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
