import { readFileSync } from 'node:fs';

/** The URL parameters naming a file that node-postgres reads for every new connection. */
const FILE_PARAMETERS = ['sslrootcert', 'sslcert', 'sslkey'] as const;

/** What OpenSSL takes as a certificate in a CA file (PEM only; DER is not read). */
const PEM_CERTIFICATE = /-----BEGIN (X509 |TRUSTED )?CERTIFICATE-----/;

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'a directory, not a file',
  ENOTDIR: 'a folder on the path is a file',
};

/**
 * Reads the files a PostgreSQL URL's sslrootcert, sslcert and sslkey name, as node-postgres will.
 * A file that cannot be read stops start-up with an error naming the setting the URL came from
 * (`urlSetting`: the apps' DATABASE_URL, the CLI's XAO_DATABASE_URL), the parameter and the path (pg
 * would fail each connection with a bare ENOENT). An sslrootcert holding no PEM certificate is
 * refused too: Node.js ignores it silently, and verification then fails as if the CA were wrong.
 * The message never holds the URL (its password).
 */
export function assertTlsFilesReadable(clientUrl: string, urlSetting = 'DATABASE_URL'): void {
  const params = new URL(clientUrl).searchParams;
  for (const name of FILE_PARAMETERS) {
    const path = params.get(name);
    if (path === null) continue;
    let content: string;
    try {
      content = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new Error(
        `${urlSetting}'s ${name} names ${JSON.stringify(path)}, which cannot be read (${FS_REASONS[code] ?? code}): put the file there or correct the path in ${urlSetting}.`,
      );
    }
    if (name === 'sslrootcert' && !PEM_CERTIFICATE.test(content))
      throw new Error(
        `${urlSetting}'s sslrootcert names ${JSON.stringify(path)}, which holds no PEM certificate (-----BEGIN CERTIFICATE-----): it must hold the CA certificate(s) that signed PostgreSQL's server certificate.`,
      );
  }
}
