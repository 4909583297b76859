import { request } from 'node:https';
import { request as httpRequest } from 'node:http';

export interface TlsClient {
  ca: string;
  cert: string;
  key: string;
}

/** GETs a URL and resolves with the status code, or 0 if the server did not answer. */
export function probe(url: string, tls?: TlsClient): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? request : httpRequest;
    const req = send(u, { method: 'GET', timeout: 2000, ...(tls ?? {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  whyNot?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(
        `${what} did not become ready within ${timeoutMs / 1000}s${whyNot ? `: ${whyNot()}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
