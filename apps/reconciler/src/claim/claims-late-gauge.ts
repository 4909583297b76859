import { Gauge, type Registry } from 'prom-client';

export const CLAIMS_LATE_METRIC = 'xao_namespace_claims_renewed_late';

/**
 * The gauge of the leader's held namespace claims not renewed for half their duration
 * (NamespaceClaims' onLate): one per registry, which each leader term of the process sets.
 */
export function claimsLateGauge(registry: Registry): Gauge {
  const existing = registry.getSingleMetric(CLAIMS_LATE_METRIC);
  if (existing) return existing as Gauge;
  return new Gauge({
    name: CLAIMS_LATE_METRIC,
    help: "Namespace claims this leader holds but has not renewed for half of CLAIM_DURATION: the API server answers their Lease requests too slowly. One not renewed for CLAIM_DURATION - CLAIM_RENEW_PERIOD is lost, and its namespace's reconciles are fenced.",
    registers: [registry],
  });
}
