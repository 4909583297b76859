import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes JSON and redacts credentials and OAuth secrets', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _enc, done) => (lines.push(String(chunk)), done()),
    });
    const logger = createLogger('info', sink);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer xao_secret' } },
        refresh_token: 'rt-secret',
        code: 'auth-code',
        connection: 'finance/acme',
      },
      'hello',
    );
    logger.info(
      { req: { method: 'GET', url: '/connect/callback?code=auth-code&state=s', id: 'r1' } },
      'request',
    );
    const text = lines.join('');
    expect(text).not.toMatch(/xao_secret|rt-secret|auth-code/);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({
      msg: 'hello',
      refresh_token: '[redacted]',
      connection: 'finance/acme',
      service: 'admin-api',
    });
    expect(JSON.parse(lines[1]!).req.url).toBe('/connect/callback');
  });
});
