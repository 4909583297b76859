export {
  startSandbox,
  type Sandbox,
  type SandboxPaths,
  type StartSandboxOptions,
} from './server.js';
export { DEFAULT_LIMITS, type Clock, type LimitConfig } from './config.js';
export type { SeedInfo, SeedAppInfo, SeedGrantInfo, SeedTenantInfo } from './seed/apply.js';
export {
  parseSeed,
  ORGANISATION_ROLES,
  type OrganisationRole,
  type Seed,
  type SeedApp,
  type SeedGrant,
  type SeedTenant,
  type SeedUser,
} from './seed/schema.js';
export { exampleSeed, EXAMPLE_IDS } from './seed/example.js';
export { loadSeedFile } from './seed/load.js';
export { generateSeed, type GenerateSeedOptions } from './seed/generate.js';
export type { FaultSettings, FaultTarget } from './faults/faults.js';
export { appTenantKey, type RateLimitProblem, type SandboxStats } from './state/stats.js';
export type { SandboxAdmin, UserPatch } from './admin/admin.js';
export type { TokenResponse } from './state/model.js';
