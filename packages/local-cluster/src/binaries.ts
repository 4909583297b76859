import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ToolName =
  'etcd' | 'kube-apiserver' | 'kubectl' | 'opa' | 'helm' | 'kubeconform' | 'regal' | 'promtool';

const ENV_OVERRIDES: Record<ToolName, string> = {
  etcd: 'TEST_ASSET_ETCD',
  'kube-apiserver': 'TEST_ASSET_KUBE_APISERVER',
  kubectl: 'TEST_ASSET_KUBECTL',
  opa: 'XAO_OPA',
  helm: 'XAO_HELM',
  kubeconform: 'XAO_KUBECONFORM',
  regal: 'XAO_REGAL',
  promtool: 'XAO_PROMTOOL',
};

/** The repository root: the folder that holds `tools/go.mod`. */
export function repoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'tools', 'go.mod')) && existsSync(join(dir, 'package.json')))
      return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find the repository root (tools/go.mod) above ${from}`);
    dir = parent;
  }
}

/** The ignored folder into which scripts/tools.sh links the pinned, built tools. */
export function toolsBinDir(): string {
  return process.env.XAO_TOOLS_BIN ?? join(repoRoot(), '.tools', 'bin');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Where a tool is found, in order of precedence: the env var that names it (envtest's
 * TEST_ASSET_* for the control plane), KUBEBUILDER_ASSETS, the pinned build in `.tools/bin`, then PATH.
 * The pinned build wins over PATH so tests run against the versions the repo pins; scripts/tools.sh
 * links a PATH binary into `.tools/bin` instead of building when the user already has one.
 */
export function findTool(name: ToolName): string {
  const explicit = process.env[ENV_OVERRIDES[name]];
  if (explicit) {
    if (!executable(explicit))
      throw new Error(`${ENV_OVERRIDES[name]}=${explicit} is not an executable file`);
    return explicit;
  }
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (assets && executable(join(assets, name))) return join(assets, name);
  const pinned = join(toolsBinDir(), name);
  if (executable(pinned)) return pinned;
  const found = onPath(name);
  if (found) return found;
  throw new Error(
    `${name} not found: run \`npm run tools\` (puts the pinned tools into .tools/bin) or set ${ENV_OVERRIDES[name]}`,
  );
}
