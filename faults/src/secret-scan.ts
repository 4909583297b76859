import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

export interface Leak {
  file: string;
  secret: string;
}

/** Every file under `dir`, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/**
 * Where a secret value occurs in the logs; the leak names the secret by its label, never its value.
 * `exclude` matches file names that are not the product's logs (the sandbox, standing in for Xero,
 * prints its seeded credentials on stdout by design).
 */
export function scanLogs(
  dir: string,
  secrets: Map<string, string>,
  exclude: RegExp,
): { leaks: Leak[]; filesScanned: number; bytesScanned: number } {
  const leaks: Leak[] = [];
  const all = files(dir).filter((f) => !exclude.test(f));
  let bytesScanned = 0;
  for (const file of all) {
    const text = readFileSync(file, 'utf8');
    bytesScanned += text.length;
    for (const [label, value] of secrets)
      if (text.includes(value)) leaks.push({ file, secret: label });
  }
  return { leaks, filesScanned: all.length, bytesScanned };
}

/** The credential values of every Secret in the namespace (keys naming a token or secret), labelled `secret/<name>/<key>@<resourceVersion>`. */
export async function secretValues(
  kc: KubeConfig,
  namespace: string,
): Promise<Map<string, string>> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace });
  const values = new Map<string, string>();
  for (const secret of list.items)
    for (const [key, b64] of Object.entries(secret.data ?? {})) {
      const value = Buffer.from(b64, 'base64').toString('utf8');
      if (/token|secret/i.test(key) && value.length >= 16)
        values.set(
          `secret/${secret.metadata?.name}/${key}@${secret.metadata?.resourceVersion}`,
          value,
        );
    }
  return values;
}

/** The environment a running process was started with (Linux), e.g. its bootstrap tokens. */
export function processEnv(pid: number): Record<string, string> {
  return Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}
