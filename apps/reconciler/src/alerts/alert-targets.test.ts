import type { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AlertTargets, NAMESPACE_ALERTS_SECRET } from './alert-targets.js';

/** The Kubernetes API as AlertTargets reads a namespace's Secret: each read takes the next answer. */
function apiAnswering(...answers: (Record<string, string> | number | Error)[]) {
  const reads: string[] = [];
  const core = {
    readNamespacedSecret: ({ namespace, name }: { namespace: string; name: string }) => {
      reads.push(`${namespace}/${name}`);
      const answer = answers.shift();
      if (answer instanceof Error) return Promise.reject(answer);
      if (typeof answer === 'number')
        return Promise.reject(Object.assign(new Error(`HTTP ${answer}`), { code: answer }));
      const data = Object.fromEntries(
        Object.entries(answer ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      );
      return Promise.resolve({ data });
    },
  } as unknown as CoreV1Api;
  return { core, reads };
}

const global = {
  url: 'https://alerts.example/global',
  secret: 'global-signing-secret-0123456789abcdef',
};
const own = {
  url: 'https://hooks.example/finance',
  secret: 'finance-signing-secret-0123456789abcdef',
};
const resolvePublic = async () => [{ address: '93.184.216.34', family: 4 }];

describe('AlertTargets when a namespace Secret cannot be read', () => {
  afterEach(() => vi.useRealTimers());

  it('fails the route, with nothing read earlier, so the caller retries instead of losing the alerts', async () => {
    for (const failure of [500, new Error('socket hang up')]) {
      const checked: string[] = [];
      const { core } = apiAnswering(failure, own);
      const targets = new AlertTargets(core, {
        global,
        resolve: resolvePublic,
        onChecked: (namespace) => void checked.push(namespace),
      });
      await expect(targets.routeFor('finance')).rejects.toThrow(
        failure instanceof Error ? failure.message : `HTTP ${failure}`,
      );
      expect(checked).toEqual([]);
      // The retry reads it again: the namespace's alerts reach its own target.
      expect(await targets.routeFor('finance')).toEqual({
        targets: [global, own],
        payloadDetail: 'full',
      });
      expect(checked).toEqual(['finance']);
    }
  });

  it('goes by the last answer when a read fails after an earlier one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { core, reads } = apiAnswering(own, 503);
    const targets = new AlertTargets(core, { global, resolve: resolvePublic });
    expect(await targets.routeFor('finance')).toEqual({
      targets: [global, own],
      payloadDetail: 'full',
    });
    vi.advanceTimersByTime(60_000);
    expect(await targets.routeFor('finance')).toEqual({
      targets: [global, own],
      payloadDetail: 'full',
    });
    expect(reads).toEqual([
      `finance/${NAMESPACE_ALERTS_SECRET}`,
      `finance/${NAMESPACE_ALERTS_SECRET}`,
    ]);
  });

  it('takes no Secret (404) as none, not as a failure', async () => {
    const { core } = apiAnswering(404);
    expect(await new AlertTargets(core, { global }).routeFor('finance')).toEqual({
      targets: [global],
      payloadDetail: 'full',
    });
  });
});
