export {
  startCluster,
  stopCluster,
  readClusterState,
  type ClusterState,
  type StartOptions,
} from './cluster.js';
export { findTool, repoRoot, toolsBinDir, type ToolName } from './binaries.js';
export { installCrds } from './crds.js';
export { defaultClusterDir, defaultCrdFiles } from './defaults.js';
export { spawnLogged, spawnWatchdog, stopProcesses, isAlive, type Spawned } from './processes.js';
export { probe, waitFor } from './readiness.js';
