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
import { pageQuery } from '../http/query-schemas.js';
import { ValidQuery } from '../http/zod-validation.js';
import { KubeGateway, type XeroConnectionResource } from '../kube/kube.js';
import { connectionPage } from './connection-page.js';

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
    summary:
      'XeroConnections: resource spec and status, last sync, users, open findings per check; by namespace then name, keyset-paginated',
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
  async list(@ValidQuery(pageQuery) q: z.output<typeof pageQuery>) {
    const [records, cluster] = await Promise.all([
      this.db.connections.list({ includeDeleted: true }),
      this.readCluster(),
    ]);
    const byKey = new Map<
      string,
      {
        namespace: string;
        name: string;
        record?: ConnectionRecord;
        resource?: XeroConnectionResource;
      }
    >();
    for (const record of records)
      byKey.set(record.key, { namespace: record.namespace, name: record.name, record });
    for (const resource of cluster.resources) {
      const { namespace, name } = resource.metadata;
      const key = `${namespace}/${name}`;
      byKey.set(key, { namespace, name, ...byKey.get(key), resource });
    }
    // Both sources are read whole (a few thousand connections at most); only the page is viewed,
    // which is where the cost is (open findings per connection).
    const page = connectionPage([...byKey.values()], { limit: q.limit, cursor: q.cursor ?? null });
    const items = await Promise.all(
      page.items.map((c) =>
        this.view(`${c.namespace}/${c.name}`, c.record ?? null, c.resource ?? null),
      ),
    );
    return { items, kubernetes: cluster.state, nextCursor: page.nextCursor };
  }

  @Get(':namespace/:name')
  @Access('viewer')
  @ApiOperation({ summary: 'One XeroConnection' })
  @Returns(connectionViewSchema)
  @Fails([404])
  async get(@NameParam('namespace') namespace: string, @NameParam('name') name: string) {
    const [record, resource] = await Promise.all([
      this.db.connections.get({ namespace, name }),
      this.kube ? this.kube.getConnection(namespace, name) : null,
    ]);
    if (!record && !resource) throw notFound('connection', `${namespace}/${name}`);
    return this.view(`${namespace}/${name}`, record, resource);
  }

  /** The database still answers when the cluster does not: say so instead of failing. */
  private async readCluster(): Promise<{ resources: XeroConnectionResource[]; state: string }> {
    if (!this.kube) return { resources: [], state: 'not configured' };
    try {
      return { resources: await this.kube.listConnections(), state: 'connected' };
    } catch (error) {
      const e = error as { code?: number; message?: string };
      return { resources: [], state: `unreachable (${e.code ?? e.message ?? 'error'})` };
    }
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
