import { markdownTable } from 'markdown-table';
import type { EvaluationProfile, ProfileRow } from './profile-evaluation.js';

/**
 * The profile as a Markdown table (readable in a terminal, pasteable into an issue): the `top`
 * largest parts, then the rest folded into one row.
 */
export function formatProfile(profile: EvaluationProfile, top = 15): string {
  const cells = (row: ProfileRow) => [
    row.name,
    row.part,
    row.ms.toFixed(1),
    row.percent.toFixed(1),
  ];
  const rest = profile.rows.slice(top);
  const folded = rest.length
    ? [[`${rest.length} smaller parts`, '', sum(rest, 'ms'), sum(rest, 'percent')]]
    : [];
  const table = markdownTable(
    [
      ['where the time goes', 'kind', 'ms per evaluation', '%'],
      ...profile.rows.slice(0, top).map(cells),
      ...folded,
    ],
    { align: ['l', 'l', 'r', 'r'] },
  );
  return [
    `${profile.evaluations} evaluations, median ${profile.medianMs} ms each (validation included).`,
    'Rules: their own work and the builtins they call; time in rules they call counts for those.',
    '',
    table,
    '',
  ].join('\n');
}

const sum = (rows: ProfileRow[], key: 'ms' | 'percent') =>
  rows.reduce((total, row) => total + row[key], 0).toFixed(1);
