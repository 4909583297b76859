import { Fails } from '../openapi/error-responses.js';
import { z } from 'zod';
import { Returns } from '../openapi/returns.js';
import { connectionViewSchema } from '../openapi/response-schemas.js';
import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ConnectionRecord, Database } from '@xero-access/model';
import { Access } from '../auth/access.decorator.js';
import { DB } from '../database/database.module.js';
import { notFound } from '../http/errors.js';
import { NameParam } from '../http/params.js';
import { limitParam } from '../http/query-schemas.js';
import { ValidQuery } from '../http/zod-validation.js';
import { KubeGateway, type XeroConnectionResource } from '../kube/kube.js';
import { kubeFailuresAsHttp } from '../kube/kube-failure.js';
import { connectionPage, MAX_CONNECTIONS_CURSOR } from './connection-page.js';

const listConnectionsQuery = z
  .object({
    limit: limitParam,
    cursor: z
      .string()
      .max(MAX_CONNECTIONS_CURSOR, 'is too long to be a cursor')
      .optional()
      .describe(
        'Opaque cursor from the previous page (`nextCursor`); it expires with the Kubernetes continue token it carries, after a few minutes (410)',
      ),
  })
  .strict();

export interface ConnectionView {
  namespace: string;
  name: string;
  /** From the XeroConnection resource; null when it is deleted or the cluster is unreachable. */
  resource: {
    spec: XeroConnectionResource['spec'];
    status: Record<string, unknown> | null;
    createdAt: string | null;
  } | null;
  /** From the database (what the reconciler recorded). */
  tenants: ConnectionRecord['tenants'];
  lastSyncAt: Date | null;
  userCount: number | null;
  deletedAt: Date | null;
  openFindings: Record<string, number>;
}

@ApiTags('connections')
@Controller('connections')
export class ConnectionsController {
  constructor(
    @Inject(DB) private readonly db: Database,
    @Optional() @Inject(KubeGateway) private readonly kube: KubeGateway | null,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({
    operationId: 'listConnections',
    summary:
      'XeroConnections: resource spec and status, last sync, users, open findings per check; by namespace/name, keyset-paginated',
    description:
      'The cluster is read a Kubernetes page at a time (limit and continue, as kubectl pages), and ' +
      'merged with the connections the database knows (deleted ones too), in the order Kubernetes ' +
      'lists them: by `namespace/name`, character by character. `nextCursor` carries the Kubernetes ' +
      'continue token, which the API server keeps for a few minutes (5 to 15): a cursor older than ' +
      'that is answered 410 naming `query.cursor`; list again from the first page. When the cluster does ' +
      'not answer, `kubernetes` says so and the items come from the database alone.',
  })
  @Returns(
    z.object({
      items: z.array(connectionViewSchema),
      kubernetes: z.string().describe('connected, not configured, or unreachable (…)'),
      nextCursor: z
        .string()
        .nullable()
        .describe('Pass as cursor for the next page; null on the last page'),
    }),
  )
  @Fails([410])
  async list(@ValidQuery(listConnectionsQuery) q: z.output<typeof listConnectionsQuery>) {
    const page = await connectionPage(
      await this.db.connections.list({ includeDeleted: true }),
      this.kube,
      { limit: q.limit, cursor: q.cursor ?? null },
    );
    // Only the page is viewed, which is where the cost is (open findings per connection).
    const items = await Promise.all(
      page.items.map((c) =>
        this.view(`${c.namespace}/${c.name}`, c.record ?? null, c.resource ?? null),
      ),
    );
    return { items, kubernetes: page.kubernetes, nextCursor: page.nextCursor };
  }

  @Get(':namespace/:name')
  @Access('viewer')
  @ApiOperation({
    operationId: 'getConnection',
    summary: 'One XeroConnection',
    description:
      'Unlike the list, it does not fall back to the database while the Kubernetes API does not ' +
      'answer: 503 with Retry-After, naming the Kubernetes API.',
  })
  @Returns(connectionViewSchema)
  @Fails([404, 502])
  async get(@NameParam('namespace') namespace: string, @NameParam('name') name: string) {
    const kube = this.kube;
    const [record, resource] = await Promise.all([
      this.db.connections.get({ namespace, name }),
      kube
        ? kubeFailuresAsHttp(kube, `could not read XeroConnection ${namespace}/${name}`, () =>
            kube.getConnection(namespace, name),
          )
        : null,
    ]);
    if (!record && !resource) throw notFound('connection', `${namespace}/${name}`);
    return this.view(`${namespace}/${name}`, record, resource);
  }

  private async view(
    key: string,
    record: ConnectionRecord | null,
    resource: XeroConnectionResource | null,
  ): Promise<ConnectionView> {
    const [namespace, name] = key.split('/') as [string, string];
    return {
      namespace,
      name,
      resource: resource
        ? {
            spec: resource.spec,
            status: resource.status ?? null,
            createdAt: resource.metadata.creationTimestamp ?? null,
          }
        : null,
      tenants: record?.tenants ?? [],
      lastSyncAt: record?.lastSyncAt ?? null,
      userCount: record?.userCount ?? null,
      deletedAt: record?.deletedAt ?? null,
      openFindings: record ? await this.db.findings.openCounts({ namespace, name }) : {},
    };
  }
}
