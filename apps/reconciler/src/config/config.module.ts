import type { KubeConfig } from '@kubernetes/client-node';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { UserAgentKubeConfig } from '@xero-access/crd';
import { CONFIG, KUBE_CONFIG, LOGGER } from '../app/tokens.js';
import { KUBE_USER_AGENT } from '../app/version.js';
import { createLogger, type Logger } from '../logging/logger.js';
import type { ReconcilerConfig } from './config.js';

/**
 * Kubeconfig from KUBECONFIG when set, else in-cluster, else ~/.kube/config; every request names
 * the reconciler (KUBE_USER_AGENT).
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new UserAgentKubeConfig(KUBE_USER_AGENT);
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ReconcilerConfig, logger?: Logger): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger ?? createLogger(config.logLevel) },
        { provide: KUBE_CONFIG, useFactory: () => loadKubeConfig(config.kubeconfigPath) },
      ],
      exports: [CONFIG, LOGGER, KUBE_CONFIG],
    };
  }
}
