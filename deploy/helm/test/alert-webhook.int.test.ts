import { describe, expect, it } from 'vitest';
import { kinds, render, REQUIRED, template } from './helm.js';

type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
};

/** The reconciler container's environment in `manifests`, by name. */
function reconcilerEnv(manifests: string): Record<string, EnvVar> {
  const deployment = kinds(manifests).find(
    (o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-reconciler'),
  ) as unknown as { spec: { template: { spec: { containers: { env: EnvVar[] }[] } } } };
  return Object.fromEntries(
    deployment.spec.template.spec.containers[0]!.env.map((e) => [e.name, e]),
  );
}

const fromSecret = (name: string, key: string) => ({ secretKeyRef: { name, key } });

describe('alert webhook values', () => {
  it("reads the global webhook's URL and signing secret from an existing Secret, keeping the URL out of the manifests", () => {
    const manifests = render('alerts.webhookUrlSecret.existingSecret=xao-alerts');
    const env = reconcilerEnv(manifests);
    expect(env.ALERT_WEBHOOK_URL).toEqual({
      name: 'ALERT_WEBHOOK_URL',
      valueFrom: fromSecret('xao-alerts', 'url'),
    });
    expect(env.ALERT_WEBHOOK_SECRET?.valueFrom).toEqual(fromSecret('xao-alerts', 'secret'));

    const apart = reconcilerEnv(
      render(
        'alerts.webhookUrlSecret.existingSecret=xao-alerts',
        'alerts.webhookUrlSecret.key=slack-url',
        'alerts.webhookSecret.existingSecret=xao-signing',
      ),
    );
    expect(apart.ALERT_WEBHOOK_URL?.valueFrom).toEqual(fromSecret('xao-alerts', 'slack-url'));
    expect(apart.ALERT_WEBHOOK_SECRET?.valueFrom).toEqual(fromSecret('xao-signing', 'secret'));
  });

  it('keeps the plain webhookUrl value for compatibility, and refuses it beside webhookUrlSecret', () => {
    const env = reconcilerEnv(
      render(
        'alerts.webhookUrl=https://hooks.example.com/x',
        'alerts.webhookSecret.existingSecret=hook',
      ),
    );
    expect(env.ALERT_WEBHOOK_URL).toEqual({
      name: 'ALERT_WEBHOOK_URL',
      value: 'https://hooks.example.com/x',
    });
    expect(env.ALERT_WEBHOOK_SECRET?.valueFrom).toEqual(fromSecret('hook', 'secret'));

    const both = template(
      ...REQUIRED,
      'alerts.webhookUrl=https://hooks.example.com/x',
      'alerts.webhookUrlSecret.existingSecret=xao-alerts',
    );
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain(
      'alerts: set webhookUrl or webhookUrlSecret.existingSecret, not both',
    );
    expect(reconcilerEnv(render()).ALERT_WEBHOOK_URL).toBeUndefined();
  });

  it("reads namespaces' own webhooks unless alerts.namespaceTargets is false, reaching only what alerts.allowedHosts adds to public https", () => {
    const defaults = reconcilerEnv(render());
    expect(defaults.ALERT_NAMESPACE_TARGETS?.value).toBe('true');
    expect(defaults.ALERT_WEBHOOK_ALLOWED_HOSTS).toBeUndefined();

    const env = reconcilerEnv(
      render(
        'alerts.namespaceTargets=false',
        'alerts.allowedHosts={alert-relay.monitoring.svc,*.corp.example,10.20.0.0/16}',
      ),
    );
    expect(env.ALERT_NAMESPACE_TARGETS?.value).toBe('false');
    expect(env.ALERT_WEBHOOK_ALLOWED_HOSTS?.value).toBe(
      'alert-relay.monitoring.svc,*.corp.example,10.20.0.0/16',
    );

    const url = template(...REQUIRED, 'alerts.allowedHosts={https://hooks.example.com/x}');
    expect(url.code).not.toBe(0);
    expect(url.stderr).toContain("at '/alerts/allowedHosts/0'");

    // What the reconciler would refuse at start, crash-looping the upgrade, the schema refuses first.
    for (const entry of [
      'relay.monitoring.svc:8080',
      'abc:8080',
      '10.0.0.1:443',
      'a_b.example',
      '10.0.0.0/33',
      '999.1.1.1/8',
      'fd00::1/200',
      // Not IPv6 addresses, though they have two colons.
      '1:2:3',
      'fd00:::1',
      '1:2:3:4:5:6:7:8:9',
      // Brackets around a whole IPv6 address only, closed before the prefix.
      '[fd00::1',
      'fd00::1]/64',
      '[fd00::1/64]',
      '[10.0.0.1]',
    ]) {
      const refused = template(...REQUIRED, `alerts.allowedHosts={${entry}}`);
      expect(refused.code, entry).not.toBe(0);
      expect(refused.stderr).toContain("at '/alerts/allowedHosts/0'");
    }
    for (const entry of [
      '::1',
      'fd00::/8',
      '[fd00::1]/64',
      '[::1]',
      '::ffff:10.0.0.0/104',
      '10.0.0.1',
      '10.0.0.0/32',
      'relay.monitoring.svc.',
    ]) {
      expect(template(...REQUIRED, `alerts.allowedHosts={${entry}}`).code, entry).toBe(0);
    }
  });

  it('sends the whole finding in alerts unless alerts.payloadDetail is minimal', () => {
    expect(reconcilerEnv(render()).ALERT_PAYLOAD_DETAIL?.value).toBe('full');
    const env = reconcilerEnv(render('alerts.payloadDetail=minimal'));
    expect(env.ALERT_PAYLOAD_DETAIL?.value).toBe('minimal');
    const other = template(...REQUIRED, 'alerts.payloadDetail=none');
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain("at '/alerts/payloadDetail'");
  });
});
