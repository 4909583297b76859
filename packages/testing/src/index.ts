export { serviceUrls } from './env.js';
export { checkServices, redact } from './services.js';
export { uniqueName, redisTestPrefix, createTestDatabase, type TestDatabase } from './isolation.js';
export { testKubeConfig, createTestNamespace, compactTestEtcd } from './kube.js';
export { PrivateRedisServer, freePort, type PrivateRedisOptions } from './private-redis.js';
export { latePort, type LatePort } from './late-port.js';
export { dropRefreshLocks } from './refresh-locks.js';
export { blackHoleProxy, type BlackHoleProxy } from './black-hole-proxy.js';
