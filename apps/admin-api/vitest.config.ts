import swc from 'unplugin-swc';
import { packageTestConfig } from '../../vitest.shared.js';

// NestJS resolves constructor dependencies from decorator metadata, which esbuild does not emit.
export default packageTestConfig({
  plugins: [
    swc.vite({
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'es6' },
    }),
  ],
});
