import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertTlsFilesReadable } from './tls-files.js';

const dir = mkdtempSync(join(tmpdir(), 'tls-files-'));
const pem = join(dir, 'ca.crt');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const der = join(dir, 'ca.der');
writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0x0a]));

const url = (params: Record<string, string>) =>
  `postgres://xao:Pa55-w0rd@db.internal:5432/xao?${new URLSearchParams(params)}`;

describe('assertTlsFilesReadable', () => {
  it('passes a URL without files, and files that can be read', () => {
    expect(() => assertTlsFilesReadable(url({ sslmode: 'verify-full' }))).not.toThrow();
    expect(() =>
      assertTlsFilesReadable(url({ sslrootcert: pem, sslcert: pem, sslkey: der })),
    ).not.toThrow();
  });

  it.each([
    ['sslrootcert', join(dir, 'missing.crt'), 'no such file'],
    ['sslcert', join(dir, 'missing.crt'), 'no such file'],
    ['sslkey', dir, 'a directory, not a file'],
    ['sslrootcert', join(pem, 'ca.crt'), 'a folder on the path is a file'],
  ])("names DATABASE_URL's %s and the path when %s cannot be read", (param, path, reason) => {
    expect(() => assertTlsFilesReadable(url({ [param]: path }))).toThrow(
      `DATABASE_URL's ${param} names ${JSON.stringify(path)}, which cannot be read (${reason}): put the file there or correct the path in DATABASE_URL.`,
    );
  });

  // Node.js silently ignores a CA that is not PEM; verification would then blame the server.
  it('refuses an sslrootcert holding no PEM certificate (DER, a key), naming it', () => {
    expect(() => assertTlsFilesReadable(url({ sslrootcert: der }))).toThrow(
      `DATABASE_URL's sslrootcert names ${JSON.stringify(der)}, which holds no PEM certificate`,
    );
  });

  it('never puts the URL or its password in the error', () => {
    let message = '';
    try {
      assertTlsFilesReadable(url({ sslrootcert: join(dir, 'missing.crt') }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('sslrootcert');
    expect(message).not.toContain('Pa55-w0rd');
    expect(message).not.toContain('db.internal');
  });
});
