import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '@marcbachmann/cel-js';
import fengari from 'fengari';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartDir } from './helm.js';

// The chart README's health checks for Argo CD (Lua) and Flux (CEL), run against XeroConnections
// shaped as the reconciler writes them. The Lua runs on fengari (Lua 5.3); Argo CD's gopher-lua is
// Lua 5.1, so the script keeps to what both have. The CEL runs on cel-js, as Flux runs it on
// cel-go: the object's top-level fields are the variables, and a missing one is an error.

const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');
const reconcilerReadme = readFileSync(join(chartDir, '../../../apps/reconciler/README.md'), 'utf8');

const crd = parse(
  readFileSync(join(chartDir, 'crds/xeroconnections.xeroaccess.dev.yaml'), 'utf8'),
) as {
  spec: { group: string; names: { kind: string }; versions: { name: string; storage: boolean }[] };
};
const { group } = crd.spec;
const { kind } = crd.spec.names;
const version = crd.spec.versions.find((v) => v.storage)!.name;

/** The YAML blocks of the README section under `heading`, parsed. */
function yamlBlocks(heading: string): unknown[] {
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `the chart README has a section ${heading}`).toBeGreaterThan(0);
  const end = readme.slice(start + 1).search(/\n#{2,3} /);
  const section = readme.slice(start, end < 0 ? undefined : start + 1 + end);
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!));
}

const [argo, flux] = yamlBlocks('### Health of XeroConnections in Argo CD and Flux') as [
  { data: Record<string, string> },
  {
    spec: {
      healthCheckExprs: { apiVersion: string; kind: string; failed: string; current: string }[];
    };
  },
];

/**
 * The reasons of the reconciler README's troubleshooting table, with the conditions it sets them
 * on: `Ready` carries the first failing condition's reason, so any of them can be Ready's.
 */
function troubleshootingReasons(): Map<string, string> {
  const start = reconcilerReadme.indexOf('### Troubleshooting: condition reasons and what to do');
  const table = reconcilerReadme.slice(start).split('\n\n')[2]!;
  const reasons = new Map<string, string>();
  for (const row of table.split('\n').slice(2)) {
    const [names, on] = row.split(' | ');
    for (const [, name] of names!.matchAll(/`([A-Za-z]+)`/g)) reasons.set(name!, on!);
  }
  return reasons;
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

function connection(options: { status?: Record<string, unknown>; generation?: number } = {}) {
  return {
    apiVersion: `${group}/${version}`,
    kind,
    metadata: { name: 'acme', namespace: 'finance', generation: options.generation ?? 2 },
    spec: { credentialsSecretRef: { name: 'acme-xero-app' } },
    ...(options.status ? { status: options.status } : {}),
  };
}

/** A connection the operator reconciled at its latest generation, with these conditions. */
const reconciled = (...conditions: Condition[]) =>
  connection({ status: { observedGeneration: 2, conditions } });

const ready = (status: Condition['status'], reason: string, message = `${reason} message`) => ({
  type: 'Ready',
  status,
  reason,
  message,
});

const { lua, lauxlib, lualib, to_luastring, to_jsstring } = fengari;

/** Pushes a JSON value as Argo CD hands the object to its Lua: tables, strings, numbers, booleans. */
function push(L: unknown, value: unknown): void {
  if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    value.forEach((item, i) => {
      push(L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else if (value !== null && typeof value === 'object') {
    lua.lua_createtable(L, 0, 0);
    for (const [key, item] of Object.entries(value)) {
      push(L, item);
      lua.lua_setfield(L, -2, to_luastring(key));
    }
  } else if (typeof value === 'string') lua.lua_pushstring(L, to_luastring(value));
  else if (typeof value === 'number') lua.lua_pushnumber(L, value);
  else if (typeof value === 'boolean') lua.lua_pushboolean(L, value);
  else lua.lua_pushnil(L);
}

/** The health Argo CD gives `obj` with the README's script: `hs.status` and `hs.message`. */
function argoHealth(obj: unknown): { status: string; message: string } {
  const script = argo.data[`resource.customizations.health.${group}_${kind}`];
  expect(script, 'the README names the health check after the CRD group and kind').toBeDefined();
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  push(L, obj);
  lua.lua_setglobal(L, to_luastring('obj'));
  if (lauxlib.luaL_loadstring(L, to_luastring(script!)) !== lua.LUA_OK)
    throw new Error(to_jsstring(lua.lua_tostring(L, -1)));
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK)
    throw new Error(to_jsstring(lua.lua_tostring(L, -1)));
  const field = (name: string) => {
    lua.lua_getfield(L, -1, to_luastring(name));
    const text = to_jsstring(lua.lua_tostring(L, -1));
    lua.lua_pop(L, 1);
    return text;
  };
  return { status: field('status'), message: field('message') };
}

/**
 * What Flux makes of `obj` with the README's expressions (RFC 0009): in progress while
 * `status.observedGeneration` is behind, else failed or current by the first expression that
 * holds, else in progress; an expression that fails leaves the object Unknown.
 */
function fluxStatus(obj: ReturnType<typeof connection>): string {
  const check = flux.spec.healthCheckExprs.find((c) => c.kind === kind)!;
  const status = obj.status as { observedGeneration?: number } | undefined;
  if (
    status?.observedGeneration !== undefined &&
    status.observedGeneration !== obj.metadata.generation
  )
    return 'InProgress';
  try {
    if (evaluate(check.failed, obj) === true) return 'Failed';
    if (evaluate(check.current, obj) === true) return 'Current';
  } catch {
    return 'Unknown';
  }
  return 'InProgress';
}

describe('the chart README’s health checks of XeroConnections for GitOps tools', () => {
  it('are keyed by the CRD’s group, kind and version', () => {
    expect(Object.keys(argo.data)).toEqual([`resource.customizations.health.${group}_${kind}`]);
    expect(flux.spec.healthCheckExprs.map((c) => [c.apiVersion, c.kind])).toEqual([
      [`${group}/${version}`, kind],
    ]);
  });

  it('report a Ready connection healthy, with its message', () => {
    const obj = reconciled(ready('True', 'Ready', 'Tokens are valid, users are synced.'));
    expect(argoHealth(obj)).toEqual({
      status: 'Healthy',
      message: 'Tokens are valid, users are synced.',
    });
    expect(fluxStatus(obj)).toBe('Current');
  });

  it('report every other reason the reconciler puts on Ready as failing, and Suspended as suspended', () => {
    const reasons = troubleshootingReasons();
    expect(reasons.get('Suspended')).toContain('`Ready`');
    expect(reasons.size).toBeGreaterThan(15);
    for (const reason of reasons.keys()) {
      const obj = reconciled(ready('False', reason));
      if (reason === 'Suspended') {
        expect(argoHealth(obj)).toEqual({ status: 'Suspended', message: 'Suspended message' });
        // Flux has no Suspended: paused on purpose, so not a failure to wait on.
        expect(fluxStatus(obj)).toBe('Current');
      } else {
        expect(argoHealth(obj), reason).toEqual({
          status: 'Degraded',
          message: `${reason} message`,
        });
        expect(fluxStatus(obj), reason).toBe('Failed');
      }
    }
  });

  it('report a connection the operator has not reconciled at its latest spec as progressing', () => {
    const behind = connection({
      generation: 3,
      status: { observedGeneration: 2, conditions: [ready('True', 'Ready')] },
    });
    const failingBehind = connection({
      generation: 3,
      status: { observedGeneration: 2, conditions: [ready('False', 'InvalidSpec')] },
    });
    const noReadyYet = reconciled({
      type: 'Authenticated',
      status: 'True',
      reason: 'Authenticated',
      message: 'ok',
    });
    const unknown = reconciled(
      ready('Unknown', 'Reconciling', 'Synced has not been determined yet'),
    );
    for (const obj of [behind, failingBehind, noReadyYet, unknown]) {
      expect(argoHealth(obj).status).toBe('Progressing');
      expect(fluxStatus(obj)).toBe('InProgress');
    }
    expect(argoHealth(unknown).message).toBe('Synced has not been determined yet');

    // Before the first status: Argo CD waits; Flux's expressions find no `status` (Unknown, waiting).
    expect(argoHealth(connection()).status).toBe('Progressing');
    expect(fluxStatus(connection())).toBe('Unknown');
  });
});
