import { SPEC_DEFAULTS, type XeroConnectionSpec } from '@xero-access/crd';

export type EffectiveSpec = XeroConnectionSpec &
  Required<
    Pick<
      XeroConnectionSpec,
      'authFlow' | 'scopes' | 'syncInterval' | 'criticalSystem' | 'suspend' | 'revokeGrantOnDelete'
    >
  >;

/** The API server applies these defaults; objects created before a default existed may lack them. */
export function effectiveSpec(spec: XeroConnectionSpec): EffectiveSpec {
  return {
    ...spec,
    authFlow: spec.authFlow ?? SPEC_DEFAULTS.authFlow,
    scopes: spec.scopes ?? [...SPEC_DEFAULTS.scopes],
    syncInterval: spec.syncInterval ?? SPEC_DEFAULTS.syncInterval,
    criticalSystem: spec.criticalSystem ?? SPEC_DEFAULTS.criticalSystem,
    suspend: spec.suspend ?? SPEC_DEFAULTS.suspend,
    revokeGrantOnDelete: spec.revokeGrantOnDelete ?? SPEC_DEFAULTS.revokeGrantOnDelete,
  };
}
