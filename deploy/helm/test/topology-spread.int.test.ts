import { describe, expect, it } from 'vitest';
import { chartDir, helm, kinds, KUBE_VERSION, REQUIRED } from './helm.js';

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: { matchLabels: Record<string, string> };
  matchLabelKeys?: string[];
}
interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { spec: { topologySpreadConstraints?: Constraint[] } };
  };
}

/** `helm template` with REQUIRED and these `--set-json` values (lists of objects). */
function renderJson(...setJson: string[]) {
  return helm([
    'template',
    'xao',
    chartDir,
    '--namespace',
    'xao-system',
    '--kube-version',
    KUBE_VERSION,
    ...REQUIRED.flatMap((s) => ['--set', s]),
    ...setJson.flatMap((s) => ['--set-json', s]),
  ]);
}

interface AppSpread {
  own: Record<string, string>;
  spread: Constraint[] | undefined;
}

/** Each Deployment's selector and constraints, by the app's component name. */
function constraints(...setJson: string[]): Record<string, AppSpread> {
  const out = renderJson(...setJson);
  if (out.code !== 0) throw new Error(out.stderr);
  const deployments = (kinds(out.stdout) as unknown as Deployment[]).filter(
    (o) => o.kind === 'Deployment',
  );
  expect(deployments).toHaveLength(2);
  return Object.fromEntries(
    deployments.map((d) => [
      d.spec.selector.matchLabels['app.kubernetes.io/component'],
      { own: d.spec.selector.matchLabels, spread: d.spec.template.spec.topologySpreadConstraints },
    ]),
  );
}

describe('topologySpreadConstraints', () => {
  // One node going down must not take every replica of an app; too few nodes still schedule them.
  it("spreads each app's replicas over nodes by default, counting only that app's pods", () => {
    const apps = constraints();
    expect(Object.keys(apps).sort()).toEqual(['admin-api', 'reconciler']);
    for (const { own, spread } of Object.values(apps))
      expect(spread).toEqual([
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'ScheduleAnyway',
          matchLabelKeys: ['pod-template-hash'],
          labelSelector: { matchLabels: own },
        },
      ]);
  });

  it('takes the constraints from values, keeping a labelSelector given there', () => {
    const zone = {
      maxSkew: 2,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
    };
    const team = { ...zone, labelSelector: { matchLabels: { team: 'security' } } };
    const apps = constraints(`topologySpreadConstraints=${JSON.stringify([zone, team])}`);
    for (const { own, spread } of Object.values(apps))
      expect(spread).toEqual([{ ...zone, labelSelector: { matchLabels: own } }, team]);
  });

  it('renders none for an empty list', () => {
    for (const { spread } of Object.values(constraints('topologySpreadConstraints=[]')))
      expect(spread).toBeUndefined();
  });

  it('refuses a constraint Kubernetes would, naming the field', () => {
    const out = renderJson(
      'topologySpreadConstraints=[{"maxSkew":1,"topologyKey":"kubernetes.io/hostname","whenUnsatisfiable":"Sometimes"}]',
    );
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('/topologySpreadConstraints/0/whenUnsatisfiable');
  });
});
