import { goalMet, isStale, type BenchResult, type Figure } from './results.js';

const fmt = (n: number) =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);

function goalText(f: Figure, stale: boolean): string {
  if (!f.goal) return '—';
  const verdict = stale ? '⚠️ stale, not judged' : goalMet(f) ? '✅' : '❌';
  return `${f.goal.op} ${fmt(f.goal.value)} ${f.unit} ${verdict}`;
}

function ratio(f: Figure): string {
  if (!f.baseline || f.baseline.value === 0) return '—';
  return `${(f.value / f.baseline.value).toFixed(2)}×`;
}

/**
 * The markdown report: one table per benchmark, its chart, and how to reproduce it. With the
 * run's start (`startedAt`), a result measured before it is stale (this run did not produce it):
 * marked so in its section and table, and its goals are not counted as met.
 */
export function renderMarkdown(
  date: string,
  results: BenchResult[],
  charts: Record<string, string>,
  problems: string[],
  startedAt?: Date,
): string {
  const lines = [`# Performance report ${date}`, ''];
  const stale = results.filter((r) => isStale(r, startedAt));
  const withGoal = results.flatMap((r) => r.figures).filter((f) => f.goal);
  const met = results
    .filter((r) => !isStale(r, startedAt))
    .flatMap((r) => r.figures)
    .filter((f) => f.goal && goalMet(f));
  const figures = results.reduce((n, r) => n + r.figures.length, 0);
  lines.push(
    `${results.length} benchmarks, ${figures} figures; goals met: ${met.length} of ${withGoal.length}.`,
    '',
  );
  if (stale.length)
    lines.push(
      `**Stale:** ${stale.map((r) => r.benchmark).join(', ')} ran before this run started ` +
        `(${startedAt!.toISOString()}): this run did not produce ${stale.length === 1 ? 'it' : 'them'} ` +
        '(the benchmark failed or wrote nothing), so their goals are not counted as met.',
      '',
    );
  for (const r of results) {
    const old = isStale(r, startedAt);
    lines.push(`## ${r.title}${old ? ' (stale)' : ''}`, '');
    lines.push(
      old
        ? `**Stale:** ran ${r.ranAt}, before this run started; not produced by this run. Reproduce: \`${r.command}\``
        : `Ran ${r.ranAt}. Reproduce: \`${r.command}\``,
      '',
    );
    lines.push(
      '| figure | measured | baseline (same run) | ratio | goal |',
      '|---|---|---|---|---|',
    );
    for (const f of r.figures) {
      const baseline = f.baseline
        ? `${fmt(f.baseline.value)} ${f.unit} (${f.baseline.label})`
        : '—';
      lines.push(
        `| ${f.label} | ${fmt(f.value)} ${f.unit} | ${baseline} | ${ratio(f)} | ${goalText(f, old)} |`,
      );
    }
    lines.push('');
    if (charts[r.benchmark]) lines.push(`![${r.title}](${charts[r.benchmark]})`, '');
    for (const note of r.notes ?? []) lines.push(`- ${note}`);
    if (r.notes?.length) lines.push('');
  }
  if (problems.length)
    lines.push('## Result files that could not be read', '', ...problems.map((p) => `- ${p}`), '');
  return `${lines.join('\n')}\n`;
}
