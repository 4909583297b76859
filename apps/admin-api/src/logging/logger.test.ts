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
      app: 'admin-api',
    });
    expect(JSON.parse(lines[1]!).req.url).toBe('/connect/callback');
  });

  it("names the level and the app as the reconciler's log does (one alert on level=error reads both)", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _enc, done) => (lines.push(String(chunk)), done()),
    });
    createLogger('info', sink).error({ err: new Error('boom') }, 'request failed');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'error', app: 'admin-api', msg: 'request failed' });
    expect(line).not.toHaveProperty('service');
    expect(new Date(line.time).toISOString()).toBe(line.time);
  });

  it('logs errors without what libraries hang on them (a failed SET of the PKCE verifier)', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk, _enc, done) => (lines.push(String(chunk)), done()),
    });
    const logger = createLogger('info', sink);
    const flow = JSON.stringify({ codeVerifier: 'pkce-verifier-secret' });
    // What ioredis rejects a refused SET with, and what got attaches to a failed request.
    const refused = Object.assign(new Error('OOM command not allowed'), {
      command: { name: 'set', args: ['xao:connect:flow:n1', flow, 'EX', 600] },
      options: { headers: { authorization: 'Bearer xao_secret' } },
      body: flow,
    });
    logger.error({ err: refused, reqId: 'r1' }, 'request failed');
    logger.child({ component: 'connect' }).warn({ error: refused }, 'request failed');
    const text = lines.join('');
    expect(text).not.toMatch(/pkce-verifier-secret|xao_secret|"command"|"options"|"body"/);
    expect(lines.map((line) => JSON.parse(line).err ?? JSON.parse(line).error)).toEqual([
      { type: 'Error', message: 'OOM command not allowed', stack: refused.stack },
      { type: 'Error', message: 'OOM command not allowed', stack: refused.stack },
    ]);
  });
});
