import { packageTestConfig } from '../vitest.shared.js';

// The suite's own code (the report): unit tests, part of `npm test`. The scenarios are in
// vitest.config.ts and run only with `npm run faults`.
export default packageTestConfig();
