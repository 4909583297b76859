import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DOCS_PAGE_HEADERS } from '../http/security-headers.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>xero-access-operator admin API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/assets/init.js"></script>
</body></html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout', persistAuthorization: false, validatorUrl: null });\n`;

/**
 * Interactive docs at /docs (Swagger UI from swagger-ui-dist), reading /openapi.json. Public: no
 * data. Everything it runs is served from here, so its Content-Security-Policy needs no inline
 * script; no validator badge, which would send the document's URL to swagger.io.
 */
export function registerDocs(fastify: FastifyInstance, openApiJson: string): void {
  const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const files = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(join(dist, name))]));
  fastify.get('/openapi.json', async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(openApiJson),
  );
  fastify.get('/docs', { helmet: DOCS_PAGE_HEADERS }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(PAGE),
  );
  fastify.get('/docs/assets/init.js', async (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').send(INIT),
  );
  fastify.get<{ Params: { file: string } }>('/docs/assets/:file', async (request, reply) => {
    const body = files.get(request.params.file);
    if (!body)
      return reply
        .status(404)
        .send({ statusCode: 404, error: 'Not Found', message: `no asset ${request.params.file}` });
    return reply
      .type(ASSETS[request.params.file]!)
      .header('cache-control', 'public, max-age=86400')
      .send(body);
  });
}
