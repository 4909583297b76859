import type { ConditionInput } from './conditions.js';

/** `Authenticated` once a usable access token is in hand (after a sync, a failure past it, or while suspended). */
export function tokenValidCondition(expiresAt: Date): ConditionInput {
  return {
    type: 'Authenticated',
    status: 'True',
    reason: 'TokenValid',
    message: `Access token valid until ${expiresAt.toISOString()}.`,
  };
}
