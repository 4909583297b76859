import { goalMet, type BenchResult, type Figure } from './results.js';

const fmt = (n: number) =>
  Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);

function goalText(f: Figure): string {
  if (!f.goal) return '—';
  const met = goalMet(f);
  return `${f.goal.op} ${fmt(f.goal.value)} ${f.unit} ${met ? '✅' : '❌'}`;
}

function ratio(f: Figure): string {
  if (!f.baseline || f.baseline.value === 0) return '—';
  return `${(f.value / f.baseline.value).toFixed(2)}×`;
}

/** The markdown report: one table per benchmark, its chart, and how to reproduce it. */
export function renderMarkdown(
  date: string,
  results: BenchResult[],
  charts: Record<string, string>,
  problems: string[],
): string {
  const lines = [`# Performance report ${date}`, ''];
  const all = results.flatMap((r) => r.figures);
  const withGoal = all.filter((f) => f.goal);
  lines.push(
    `${results.length} benchmarks, ${all.length} figures; goals met: ${withGoal.filter((f) => goalMet(f)).length} of ${withGoal.length}.`,
    '',
  );
  for (const r of results) {
    lines.push(`## ${r.title}`, '', `Ran ${r.ranAt}. Reproduce: \`${r.command}\``, '');
    lines.push(
      '| figure | measured | baseline (same run) | ratio | goal |',
      '|---|---|---|---|---|',
    );
    for (const f of r.figures) {
      const baseline = f.baseline
        ? `${fmt(f.baseline.value)} ${f.unit} (${f.baseline.label})`
        : '—';
      lines.push(
        `| ${f.label} | ${fmt(f.value)} ${f.unit} | ${baseline} | ${ratio(f)} | ${goalText(f)} |`,
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
