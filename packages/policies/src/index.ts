export type * from './generated/policy-input.js';
export type * from './generated/policy-output.js';
export { assertPolicyInput, assertPolicyOutput, PolicyDocumentError, type FieldProblem } from './schema/validate.js';
