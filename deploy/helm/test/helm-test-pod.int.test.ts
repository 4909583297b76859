import { spawn } from 'node:child_process';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { kinds, render } from './helm.js';

interface Pod {
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec: { containers: { command: string[] }[] };
}
interface Peer {
  podSelector?: { matchLabels: Record<string, string> };
  namespaceSelector?: unknown;
}

const NARROWED =
  'networkPolicy.adminApiFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=ingress-nginx';

/** `helm test`'s pod (templates/tests/test-admin-api.yaml), rendered with these values. */
function testPod(manifests: string): Pod {
  return kinds(manifests).find((o) => o.kind === 'Pod') as unknown as Pod;
}

function adminApiPeers(manifests: string): Peer[] | undefined {
  const policy = kinds(manifests).find(
    (o) => o.kind === 'NetworkPolicy' && o.metadata.name.endsWith('-admin-api'),
  ) as unknown as { spec: { ingress: { from?: Peer[]; ports: unknown[] }[] } };
  const [rule] = policy.spec.ingress;
  // Only the API port: metrics scrapes are let in by networkPolicy.metricsFrom, never adminApiFrom.
  expect(rule!.ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
  return rule!.from;
}

/** Whether a peer admits `labels` in the policy's own namespace (a podSelector without namespaceSelector). */
function admits(peer: Peer, labels: Record<string, string>): boolean {
  if (!peer.podSelector || peer.namespaceSelector) return false;
  return Object.entries(peer.podSelector.matchLabels).every(
    ([key, value]) => labels[key] === value,
  );
}

describe('helm test', () => {
  it('is let in by the admin API NetworkPolicy once networkPolicy.adminApiFrom is narrowed', () => {
    const manifests = render(NARROWED);
    const peers = adminApiPeers(manifests)!;
    expect(peers).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
    });
    expect(peers.filter((peer) => admits(peer, testPod(manifests).metadata.labels))).toHaveLength(
      1,
    );
    // Only the test pod: the release's other pods stay out.
    const workloads = kinds(manifests).filter((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { metadata: { labels: Record<string, string> } } };
    }[];
    for (const workload of workloads) {
      const labels = workload.spec.template.metadata.labels;
      if (labels['app.kubernetes.io/component'] === 'admin-api') continue;
      expect(peers.some((peer) => admits(peer, labels))).toBe(false);
    }
  });

  it('leaves the admin API open to any source while networkPolicy.adminApiFrom is empty', () => {
    expect(adminApiPeers(render())).toBeUndefined();
  });

  it('runs without a Kubernetes API token: it only makes an HTTP GET', () => {
    const pod = testPod(render()) as unknown as {
      spec: { automountServiceAccountToken?: boolean };
    };
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });

  describe("the pod's check of the admin API", () => {
    const [, ...args] = testPod(render()).spec.containers[0]!.command;

    /** Runs the rendered check against a local server; its exit code, stderr and duration. */
    async function check(
      answer: RequestListener,
    ): Promise<{ code: number | null; stderr: string; ms: number }> {
      const server = createServer(answer);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      try {
        return await new Promise((resolve) => {
          const child = spawn(
            process.execPath,
            [...args.slice(0, -1), `http://127.0.0.1:${port}/health/live`],
            { stdio: ['ignore', 'ignore', 'pipe'] },
          );
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('exit', (code) => resolve({ code, stderr, ms: Date.now() - started }));
        });
      } finally {
        server.closeAllConnections();
        server.close();
      }
    }

    it('passes when the admin API is live', async () => {
      const result = await check((_req, res) => res.end('{"status":"ok"}'));
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });

    it('fails with the status when the admin API answers unhealthy', async () => {
      const result = await check((_req, res) => res.writeHead(503).end());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('/health/live answered 503');
    });

    // A NetworkPolicy that drops the packets looks like this: without a timeout the pod would wait
    // out Helm's own (5 minutes) and say nothing.
    it('gives up after 10 s on an admin API that never answers, saying why', async () => {
      const result = await check(() => {});
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('no answer within 10 s');
      expect(result.stderr).toContain('NetworkPolicy');
      expect(result.ms).toBeGreaterThanOrEqual(9_500);
      expect(result.ms).toBeLessThan(20_000);
    }, 30_000);
  });
});

describe.each([
  { app: 'reconciler', rule: 0 },
  // The admin API's second rule; its first admits the API port from networkPolicy.adminApiFrom.
  { app: 'admin-api', rule: 1 },
])('the $app NetworkPolicy', ({ app, rule: index }) => {
  function metricsPeers(manifests: string): Peer[] | undefined {
    const policy = kinds(manifests).find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name.endsWith(`-${app}`),
    ) as unknown as { spec: { ingress: { from?: Peer[]; ports: unknown[] }[] } };
    expect(policy.spec.ingress).toHaveLength(index + 1);
    const rule = policy.spec.ingress[index];
    expect(rule!.ports).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
    return rule!.from;
  }

  it('admits metrics scrapes only from networkPolicy.metricsFrom once it is set', () => {
    const peers = metricsPeers(
      render(
        'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=monitoring',
      ),
    );
    expect(peers).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
  });

  it('admits scrapes from any pod while networkPolicy.metricsFrom is empty', () => {
    expect(metricsPeers(render())).toBeUndefined();
  });

  it('is neither narrowed nor widened by networkPolicy.adminApiFrom', () => {
    expect(metricsPeers(render(NARROWED))).toBeUndefined();
  });
});
