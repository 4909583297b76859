/** Where the integration tests find their services; override with env vars. */
export const serviceUrls = {
  redis: process.env.XAO_REDIS_URL ?? 'redis://127.0.0.1:6379',
  postgres: process.env.XAO_POSTGRES_URL ?? 'postgres://xao:xao@127.0.0.1:5432/xao',
};
