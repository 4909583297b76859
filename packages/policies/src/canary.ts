import { readFile } from 'node:fs/promises';
import type { PolicyInput } from './generated/policy-input.js';
import { assertPolicyInput } from './schema/validate.js';

/** The example organisation the README shows (shipped with the package, read from src/ or dist/). */
const EXAMPLE_INPUT = new URL('../examples/input.json', import.meta.url);

let canary: Promise<PolicyInput[]> | undefined;

/**
 * What a new bundle must evaluate, with valid output, before it is used: the example
 * organisation (users, staff and links on which user-identified, offboarded-access-removed and
 * critical-system-access-valid fire) and the same organisation with no role mappings (on which
 * critical-system-access-configured fires). So a custom check that goes wrong per user, per
 * staff member or per connection is caught here, not in every later evaluation.
 */
export function canaryInputs(): Promise<PolicyInput[]> {
  canary ??= readFile(EXAMPLE_INPUT, 'utf8').then((text) => {
    const example = assertPolicyInput(JSON.parse(text));
    const unmapped = { ...example.connection };
    delete unmapped.accessControl;
    return [example, { ...example, connection: unmapped }];
  });
  return canary;
}
