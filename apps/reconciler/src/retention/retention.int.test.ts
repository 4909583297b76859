import type { ModelOrm } from '@xero-access/model';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningReconciler } from '../app/bootstrap.js';
import { eventually } from '../test/harness.js';
import { metricValue } from '../test/reconciler-process.js';
import { useTestBed } from '../test/test-bed.js';
import type { RetentionSweep } from './retention-sweep.js';
import { RETENTION_SWEEP } from './retention.module.js';

describe('the leading reconciler sweeps with the RETENTION_* limits it was started with', () => {
  const bed = useTestBed({ name: 'retention' });
  let model: ModelOrm;
  let leader: RunningReconciler;

  beforeAll(async () => {
    model = await bed.openModel();
    leader = await bed.startReconciler({ RETENTION_AUDIT_LOG: '2d' });
    await eventually(async () => leader.operator.isLeader, 30_000, 'the reconciler to lead');
  });

  it('deletes audit entries older than RETENTION_AUDIT_LOG and exports the count on /metrics', async () => {
    const entry = { actor: 'alice@acme.test', action: 'staff.create', resourceType: 'staff' };
    const now = new Date();
    await model.db.audit.append(entry, new Date(now.getTime() - 3 * 86_400_000));
    const kept = await model.db.audit.append(entry, new Date(now.getTime() - 86_400_000));

    const sweep = leader.app.get<RetentionSweep>(RETENTION_SWEEP);
    expect(await sweep.sweep(now)).toEqual({
      webhook_targets_redacted: 0,
      webhook_deliveries: 0,
      audit_log: 1,
    });
    expect((await model.db.audit.list()).items.map((e) => e.id)).toEqual([kept.id]);
    const metrics = await (await fetch(`${leader.url}/metrics`)).text();
    expect(metricValue(metrics, 'xao_retention_deleted_total{', 'kind="audit_log"')).toBe(1);
  });
});
