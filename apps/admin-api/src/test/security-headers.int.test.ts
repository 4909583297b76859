import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestResponse } from './harness.js';

/** `default-src 'self'; img-src 'self' data:` → {default-src: ["'self'"], img-src: [...]}. */
function policy(response: TestResponse): Record<string, string[]> {
  const header = String(response.headers['content-security-policy'] ?? '');
  return Object.fromEntries(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function expectCommonHeaders(response: TestResponse) {
  expect(response.headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  expect(response.headers['x-powered-by']).toBeUndefined();
  // Left to the TLS-terminating ingress: the app cannot tell it is reached over TLS.
  expect(response.headers['strict-transport-security']).toBeUndefined();
  expect(policy(response)['frame-ancestors']).toEqual(["'none'"]);
}

describe('security headers', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('sqlite');
  });
  afterAll(async () => h?.close());

  it('on API answers, successful or not: a policy that lets a browser load and run nothing', async () => {
    const answers = [
      await h.call('GET', '/findings', { token: h.tokens.viewer }),
      await h.call('GET', '/findings'),
      await h.call('GET', '/no-such-route', { token: h.tokens.viewer }),
      await h.call('POST', '/tokens', { token: h.tokens.admin, body: { name: '' } }),
      await h.call('GET', '/scim/v2/Users', { token: h.tokens.scim }),
      await h.call('GET', '/openapi.json'),
      await h.call('GET', '/health/live'),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 401, 404, 400, 200, 200, 200]);
    for (const answer of answers) {
      expectCommonHeaders(answer);
      expect(policy(answer)).toEqual({
        'default-src': ["'none'"],
        'form-action': ["'none'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
      });
    }
  });

  it('on /docs: a policy Swagger UI works under, with every asset it loads from this origin', async () => {
    const page = await h.call('GET', '/docs');
    expect(page.statusCode).toBe(200);
    expectCommonHeaders(page);
    const csp = policy(page);
    expect(csp).toMatchObject({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
    });
    // script-src 'self' runs no inline script: every script is a file from this origin.
    const scripts = [...page.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, inline] of scripts) {
      expect(attributes).toMatch(/ src="\/[^/]/);
      expect(inline).toBe('');
    }
    expect(page.body).not.toMatch(/ on[a-z]+=/i);
    const assets = [...page.body.matchAll(/ (?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(4);
    for (const asset of assets) {
      expect(asset, 'same origin').toMatch(/^\/[^/]/);
      const loaded = await h.call('GET', asset);
      expect(loaded.statusCode, asset).toBe(200);
      expect(loaded.headers['content-type'], asset).toMatch(
        asset.endsWith('.css') ? /^text\/css/ : /^application\/javascript/,
      );
      expect(loaded.headers['x-content-type-options'], asset).toBe('nosniff');
    }
    // The page fetches the OpenAPI document from this origin (connect-src falls back to 'self').
    const init = await h.call('GET', '/docs/assets/init.js');
    expect(init.body).toContain("url: '/openapi.json'");
    expect(init.body).toContain('validatorUrl: null');
    expect((await h.call('GET', '/openapi.json')).json().openapi).toMatch(/^3\./);
  });
});
