import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  /** The CA certificate's file (PEM): what DATABASE_URL's sslrootcert names. */
  certFile: string;
  /** A server key and certificate (PEM) signed by this CA for `altNames` (`DNS:localhost`, …). */
  issue(altNames: string[]): { key: string; cert: string };
}

/** A throwaway certificate authority made with openssl, in a temp folder of its own. */
export function createTestCa(name: string): TestCa {
  const dir = mkdtempSync(join(tmpdir(), `pg-test-ca-${name}-`));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const certFile = join(dir, 'ca.crt');
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-keyout', 'ca.key', '-out', certFile],
  );
  let serial = 0;
  return {
    certFile,
    issue(altNames) {
      serial += 1;
      const base = `server-${serial}`;
      writeFileSync(join(dir, `${base}.ext`), `subjectAltName=${altNames.join(',')}\n`);
      openssl(
        ...['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${base}`],
        ...['-keyout', `${base}.key`, '-out', `${base}.csr`],
      );
      openssl(
        ...['x509', '-req', '-in', `${base}.csr`, '-CA', certFile, '-CAkey', 'ca.key'],
        ...['-set_serial', String(serial), '-days', '2', '-extfile', `${base}.ext`],
        ...['-out', `${base}.crt`],
      );
      return {
        key: readFileSync(join(dir, `${base}.key`), 'utf8'),
        cert: readFileSync(join(dir, `${base}.crt`), 'utf8'),
      };
    },
  };
}
