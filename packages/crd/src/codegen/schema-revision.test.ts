import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CRD_SCHEMA_REVISION } from '../index.js';
import { CRD_SPEC_SHA256 } from '../generated/schema-revision.js';
import { crdSourcePath } from './crd-source.js';
import { generatedRevisionPath } from './paths.js';
import {
  annotatedRevision,
  generateRevision,
  nextRevision,
  recordedRevision,
  specSha256,
  withAnnotatedRevision,
} from './schema-revision.js';

const manifest = `# a comment
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.dev
  annotations:
    # kept by the generator
    xeroaccess.dev/schema-revision: "3"
spec:
  group: example.dev
  names: { kind: Thing, plural: things }
`;

describe('the CRD schema revision', () => {
  it('is up to date in the CRD and the generated module (run `npm run generate -w @xero-access/crd` when this fails)', async () => {
    const crd = await readFile(crdSourcePath, 'utf8');
    expect(annotatedRevision(crd)).toBe(CRD_SCHEMA_REVISION);
    expect(specSha256(crd)).toBe(CRD_SPEC_SHA256);
    const generated = await generateRevision();
    expect(generated.manifest).toBe(crd);
    expect(generated.module).toBe(await readFile(generatedRevisionPath, 'utf8'));
  });

  it('hashes the spec only: layout, comments and metadata do not count, any change of spec does', () => {
    const hash = specSha256(manifest);
    const relaidOut = manifest
      .replace('# a comment\n', '')
      .replace(
        'names: { kind: Thing, plural: things }',
        'names:\n    plural: things\n    kind: Thing',
      );
    expect(specSha256(relaidOut)).toBe(hash);
    expect(specSha256(withAnnotatedRevision(manifest, 9))).toBe(hash);
    expect(specSha256(manifest.replace('plural: things', 'plural: thingz'))).not.toBe(hash);
  });

  it('leaves descriptions and printer columns out of the hash, and keeps a field named description', () => {
    const withSchema = `${manifest}  versions:
    - name: v1
      additionalPrinterColumns:
        - name: Colour
          type: string
          jsonPath: .spec.colour
      schema:
        openAPIV3Schema:
          type: object
          description: A thing.
          properties:
            description:
              type: string
              description: The thing's own description field.
            colour:
              type: string
              description: Its colour.
`;
    const hash = specSha256(withSchema);
    expect(specSha256(withSchema.replace('Its colour.', 'What colour it is.'))).toBe(hash);
    expect(specSha256(withSchema.replace('A thing.', 'One thing.'))).toBe(hash);
    expect(specSha256(withSchema.replace('name: Colour', 'name: Color'))).toBe(hash);
    expect(
      specSha256(withSchema.replace('Its colour.', 'Its colour.\n              maxLength: 20')),
    ).not.toBe(hash);
    expect(
      specSha256(withSchema.replace(/colour:\n( +)type: string/, 'colour:\n$1type: integer')),
    ).not.toBe(hash);
    expect(
      specSha256(
        withSchema.replace(/( +)description:\n +type: string/, '$1notes:\n$1  type: string'),
      ),
    ).not.toBe(hash);
  });

  it('counts one more when the spec changed, and stays while it did not', () => {
    const recorded = { revision: 3, specSha256: 'a'.repeat(64) };
    expect(nextRevision(recorded, 'a'.repeat(64))).toBe(recorded);
    expect(nextRevision(recorded, 'b'.repeat(64))).toEqual({
      revision: 4,
      specSha256: 'b'.repeat(64),
    });
  });

  it('reads and rewrites the annotation, leaving the rest of the manifest as it was', () => {
    expect(annotatedRevision(manifest)).toBe(3);
    const bumped = withAnnotatedRevision(manifest, 4);
    expect(bumped).toBe(manifest.replace('schema-revision: "3"', 'schema-revision: "4"'));
    // Prettier, which formats the chart, writes the value in single quotes.
    const formatted = manifest.replace('"3"', "'3'");
    expect(withAnnotatedRevision(formatted, 4)).toBe(manifest.replace('"3"', "'4'"));
    expect(() => annotatedRevision(manifest.replace('"3"', '"three"'))).toThrow(
      'metadata.annotations["xeroaccess.dev/schema-revision"] must be a whole number',
    );
    expect(() => withAnnotatedRevision(manifest.replace(/^ {4}xeroaccess.*$/m, ''), 4)).toThrow(
      'found undefined',
    );
  });

  it('reads back what the generated module records', () => {
    expect(
      recordedRevision(
        `export const CRD_SCHEMA_REVISION = 7;\nexport const CRD_SPEC_SHA256 = '${'c'.repeat(64)}';`,
      ),
    ).toEqual({ revision: 7, specSha256: 'c'.repeat(64) });
    expect(recordedRevision(undefined)).toBeUndefined();
  });
});
