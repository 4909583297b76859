export { startStack, type Stack, type StackOptions } from './stack.js';
export { startApp, type AppProcess } from './app-process.js';
export { startSandboxProcess, type SandboxInfo } from './sandbox-process.js';
export { AdminClient } from './admin-client.js';
export {
  examplesForSandbox,
  readExamples,
  sandboxExamples,
  applyObjects,
  createObjectsOnce,
} from './examples.js';
export {
  waitAllReady,
  listXeroConnections,
  condition,
  type XeroConnectionStatus,
} from './ready.js';
