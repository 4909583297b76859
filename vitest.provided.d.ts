// What the integration tests' global setup (packages/testing/src/global-setup.ts) provides to inject().
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    redisUrl: string;
    postgresUrl: string;
  }
}
