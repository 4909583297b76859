import { writeFile } from 'node:fs/promises';
import { crdSourcePath } from './crd-source.js';
import { generateTypes } from './generate-types.js';
import { generatedRevisionPath, generatedTypesPath } from './paths.js';
import { generateRevision } from './schema-revision.js';

await writeFile(generatedTypesPath, await generateTypes());
console.log(`wrote ${generatedTypesPath}`);
const { manifest, module } = await generateRevision();
await writeFile(generatedRevisionPath, module);
await writeFile(crdSourcePath, manifest);
console.log(`wrote ${generatedRevisionPath} and the schema revision in ${crdSourcePath}`);
