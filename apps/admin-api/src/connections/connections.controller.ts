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
import { KubeGateway, type XeroConnectionResource } from '../kube/kube.js';

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
    summary: 'XeroConnections: resource spec and status, last sync, users, open findings per check',
  })
  @Returns(
    z.object({
      items: z.array(connectionViewSchema),
      kubernetes: z.string().describe('connected, not configured, or unreachable (…)'),
    }),
  )
  async list() {
    const [records, cluster] = await Promise.all([
      this.db.connections.list({ includeDeleted: true }),
      this.readCluster(),
    ]);
    const resources = cluster.resources;
    const byKey = new Map<
      string,
      { record?: ConnectionRecord; resource?: XeroConnectionResource }
    >();
    for (const record of records) byKey.set(`${record.namespace}/${record.name}`, { record });
    for (const resource of resources) {
      const key = `${resource.metadata.namespace}/${resource.metadata.name}`;
      byKey.set(key, { ...byKey.get(key), resource });
    }
    const items = await Promise.all(
      [...byKey.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, { record, resource }]) => this.view(key, record ?? null, resource ?? null)),
    );
    return { items, kubernetes: cluster.state };
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
