import { describe, expect, it } from 'vitest';
import { memorySink } from '../test/memory-sink.js';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it("names the level and the app as the admin API's log does (one alert on level=error reads both)", () => {
    const { sink, lines } = memorySink();
    createLogger('info', sink).error({ err: new Error('boom') }, 'reconcile failed');
    const [line] = lines();
    expect(line).toMatchObject({ level: 'error', app: 'reconciler', msg: 'reconcile failed' });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
  });

  it('names a token Secret under tokenSecret, not redacted: only a key named secret is', () => {
    const { sink, lines } = memorySink();
    createLogger('info', sink).info(
      { connection: 'finance/acme', tokenSecret: 'acme-tokens', secret: 'whsec_value' },
      'refresh token rotated and written back',
    );
    expect(lines()[0]).toMatchObject({ tokenSecret: 'acme-tokens', secret: '[redacted]' });
  });

  it('still redacts credentials outside errors', () => {
    const { sink, lines } = memorySink();
    createLogger('info', sink).info(
      { clientSecret: 'cs-secret', secret: { password: 'pw' }, connection: 'finance/acme' },
      'hello',
    );
    expect(lines()[0]).toMatchObject({
      clientSecret: '[redacted]',
      secret: '[redacted]',
      connection: 'finance/acme',
      app: 'reconciler',
    });
  });
});
