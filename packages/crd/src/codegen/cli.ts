import { writeFile } from 'node:fs/promises';
import { generateTypes } from './generate-types.js';
import { generatedTypesPath } from './paths.js';

await writeFile(generatedTypesPath, await generateTypes());
console.log(`wrote ${generatedTypesPath}`);
