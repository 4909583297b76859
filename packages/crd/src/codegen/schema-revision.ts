import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';
import { SCHEMA_REVISION_ANNOTATION } from '../constants.js';
import { crdSourcePath } from './crd-source.js';
import { generatedRevisionPath } from './paths.js';

export interface SchemaRevision {
  revision: number;
  /** sha256 of the CRD's spec at that revision (descriptions and printer columns left out). */
  specSha256: string;
}

interface CrdDocument {
  metadata?: { annotations?: Record<string, string> };
  spec?: unknown;
}

/** JSON with object keys sorted: the same spec hashes the same, whatever its layout and comments. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The value without what cannot change stored fields: every `description` and each version's
 * `additionalPrinterColumns`. Keys of `properties` are field names, kept whatever they are called.
 */
function withoutDocumentation(value: unknown, inProperties = false): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutDocumentation(item));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(
        ([key]) => inProperties || (key !== 'description' && key !== 'additionalPrinterColumns'),
      )
      .map(([key, v]) => [
        key,
        withoutDocumentation(
          v,
          !inProperties && (key === 'properties' || key === 'patternProperties'),
        ),
      ]),
  );
}

/**
 * sha256 of the CRD manifest's spec (the schema, names …), not its metadata, descriptions or
 * printer columns: a wording fix must not bump the revision the reconciler insists on.
 */
export function specSha256(crdYaml: string): string {
  const crd = parse(crdYaml) as CrdDocument;
  if (!crd.spec) throw new Error('the CRD manifest has no spec');
  return createHash('sha256')
    .update(canonical(withoutDocumentation(crd.spec)))
    .digest('hex');
}

/** The revision in the manifest's annotation; throws naming the annotation when it is missing or not a whole number. */
export function annotatedRevision(crdYaml: string): number {
  const value = (parse(crdYaml) as CrdDocument).metadata?.annotations?.[SCHEMA_REVISION_ANNOTATION];
  if (value === undefined || !/^[1-9]\d*$/.test(value))
    throw new Error(
      `the CRD manifest's metadata.annotations["${SCHEMA_REVISION_ANNOTATION}"] must be a whole number as a string, e.g. "1"; found ${JSON.stringify(value)}`,
    );
  return Number(value);
}

/** The manifest with its revision annotation set to `revision`, everything else (comments included) as it was. */
export function withAnnotatedRevision(crdYaml: string, revision: number): string {
  annotatedRevision(crdYaml);
  const line = new RegExp(
    `^(\\s+${SCHEMA_REVISION_ANNOTATION.replace(/[./]/g, '\\$&')}: )(["'])\\d+\\2$`,
    'm',
  );
  return crdYaml.replace(line, `$1$2${revision}$2`);
}

/** The revision to record: the recorded one while the spec is unchanged, the next one after a change. */
export function nextRevision(recorded: SchemaRevision, sha256: string): SchemaRevision {
  if (recorded.specSha256 === sha256) return recorded;
  return { revision: recorded.revision + 1, specSha256: sha256 };
}

/** What the generated module records, or undefined before it was first generated. */
export function recordedRevision(moduleSource: string | undefined): SchemaRevision | undefined {
  const revision = /CRD_SCHEMA_REVISION = (\d+);/.exec(moduleSource ?? '')?.[1];
  const sha256 = /CRD_SPEC_SHA256 =\s*'([0-9a-f]{64})';/.exec(moduleSource ?? '')?.[1];
  if (revision === undefined || sha256 === undefined) return undefined;
  return { revision: Number(revision), specSha256: sha256 };
}

const BANNER = `// GENERATED from deploy/helm/xero-access-operator/crds/xeroconnections.xeroaccess.dev.yaml by
// \`npm run generate -w @xero-access/crd\`. Do not edit: change the CRD and regenerate
// (a unit test fails while this file is stale).`;

/** The generated module: the revision this build expects of the installed CRD. */
export async function revisionModule(recorded: SchemaRevision): Promise<string> {
  const source = `${BANNER}

/**
 * The XeroConnection CRD's schema revision this build was generated from: the reconciler refuses
 * to start when the installed CRD's \`${SCHEMA_REVISION_ANNOTATION}\` annotation is older.
 */
export const CRD_SCHEMA_REVISION = ${recorded.revision};

/** sha256 of the CRD's spec at that revision: generating after a change of spec bumps the revision. */
export const CRD_SPEC_SHA256 = '${recorded.specSha256}';
`;
  const config = await resolveConfig(generatedRevisionPath);
  return format(source, { ...config, parser: 'typescript' });
}

/**
 * Reads the CRD manifest and the generated module; returns both as they should be: the revision
 * one more than before when the spec changed, in the manifest's annotation and in the module.
 */
export async function generateRevision(): Promise<{ manifest: string; module: string }> {
  const manifest = await readFile(crdSourcePath, 'utf8');
  const previousModule = await readFile(generatedRevisionPath, 'utf8').catch(() => undefined);
  // The first time, the manifest's revision stands for its spec as it is.
  const recorded = recordedRevision(previousModule) ?? {
    revision: annotatedRevision(manifest),
    specSha256: specSha256(manifest),
  };
  const next = nextRevision(recorded, specSha256(manifest));
  return {
    manifest: withAnnotatedRevision(manifest, next.revision),
    module: await revisionModule(next),
  };
}
