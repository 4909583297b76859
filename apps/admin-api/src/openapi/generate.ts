import { fileURLToPath } from 'node:url';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { ModelOrm } from '@xero-access/model';
import type { Redis } from 'ioredis';
import { AppModule } from '../app/app.module.js';
import { parseConfig } from '../config/config.js';
import { OAuthStateSigner } from '../connect/oauth-state.js';
import { createLogger } from '../logging/logger.js';
import { createOpenApiDocument } from './document.js';

/**
 * The OpenAPI document from the controllers alone: no database, Redis or cluster is touched
 * (the dependencies are inert placeholders; nothing is called while building the document).
 */
export async function generateOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.with({
      config: parseConfig({ oidc: {}, xero: {} }),
      model: { db: {} } as unknown as ModelOrm,
      redis: {} as unknown as Redis,
      logger: createLogger('silent'),
      kube: null,
      oidc: null,
      stateSigner: OAuthStateSigner.random(),
    }),
    new FastifyAdapter(),
    { logger: false, abortOnError: false },
  );
  try {
    return createOpenApiDocument(app) as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

/** The committed form: formatted by the repository's Prettier settings, so `prettier --check` agrees. */
export async function generateOpenApiJson(): Promise<string> {
  const text = JSON.stringify(await generateOpenApiDocument(), null, 2);
  const prettier = await import('prettier');
  const options =
    (await prettier.resolveConfig(fileURLToPath(new URL('../../openapi.json', import.meta.url)))) ??
    {};
  return prettier.format(text, { ...options, parser: 'json' });
}
