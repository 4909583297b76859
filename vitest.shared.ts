import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const globalSetup = fileURLToPath(
  new URL('./packages/testing/src/global-setup.ts', import.meta.url),
);

export interface PackageTestOptions {
  /** Vite plugins, e.g. unplugin-swc for NestJS decorator metadata. */
  plugins?: ViteUserConfig['plugins'];
}

/**
 * Every package has two vitest projects:
 * - `unit`: `src/**\/*.test.ts`, no infrastructure;
 * - `integration`: `src/**\/*.int.test.ts` and `test/**\/*.int.test.ts`, with the global setup that
 *   provides the local control plane, Redis and PostgreSQL.
 */
export function packageTestConfig(options: PackageTestOptions = {}) {
  return defineConfig({
    plugins: options.plugins ?? [],
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'unit',
            include: ['src/**/*.test.ts'],
            exclude: ['src/**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
          },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: ['src/**/*.int.test.ts', 'test/**/*.int.test.ts'],
            globalSetup: [globalSetup],
            testTimeout: 60_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  });
}
