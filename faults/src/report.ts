import type { BenchResult, Figure } from '@xero-access/bench';
import {
  goalMet,
  needsField,
  needsText,
  needsTimestamp,
  readResultFiles,
} from '@xero-access/bench';
import type { FaultResult } from './record.js';

/** A recorded scenario as read back from faults/results/<id>.json. */
export type RecordedFault = FaultResult & { ranAt: string };

const TEXT_FIELDS = ['id', 'title', 'injected', 'held', 'dataChecked', 'command'] as const;

/** What is wrong with a recorded row, naming the field; nothing when it can be reported. */
function checkRecordedFault(value: unknown): string | undefined {
  const row = value as Record<string, unknown>;
  for (const field of TEXT_FIELDS) {
    const problem = needsText(row, field);
    if (problem) return problem;
  }
  return (
    needsField(row, 'kind', (v) => v === 'fault' || v === 'bad-input', '"fault" or "bad-input"') ??
    needsField(
      row,
      'dataLost',
      (v) => Number.isInteger(v) && (v as number) >= 0,
      'a whole number, 0 or more',
    ) ??
    needsTimestamp(row, 'ranAt')
  );
}

/**
 * The recorded rows of a results folder (`<id>.json`), read as the bench report reads its own: a
 * file that is not JSON or whose field is missing or wrong is a problem naming the file and the
 * field, not a stack trace, an `undefined` cell or a broken total. A missing folder throws
 * ResultsFolderError.
 */
export function readFaultResults(dir: string): { faults: RecordedFault[]; problems: string[] } {
  const { results, problems } = readResultFiles<RecordedFault>(dir, checkRecordedFault);
  return { faults: results, problems };
}

const KIND_TITLE = {
  load: 'Load held',
  fault: 'Faults injected and survived',
  'bad-input': 'Bad inputs tried',
} as const;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const day = (iso: string) => iso.slice(0, 10);

function figureText(f: Figure): string {
  const value = Number.isInteger(f.value) ? String(f.value) : f.value.toPrecision(3);
  const goal = f.goal ? ` (goal ${f.goal.op} ${f.goal.value}${goalMet(f) ? ' ✅' : ' ❌'})` : '';
  return `${f.label}: ${value} ${f.unit}${goal}`;
}

/** A benchmark as a "load held" row: its figures that have a goal, each marked met or not. */
function loadRow(result: BenchResult): string {
  const goals = result.figures.filter((f) => f.goal);
  const held = (goals.length ? goals : result.figures).map(figureText).join('; ');
  return `| ${cell(result.title)} | ${cell(held)} | not counted | \`${result.command}\` | ${day(result.ranAt)} |`;
}

function faultRow(row: RecordedFault): string {
  return `| ${cell(row.title)}: ${cell(row.injected)} | ${cell(row.held)} | **${row.dataLost}** (${cell(row.dataChecked)}) | \`${row.command}\` | ${day(row.ranAt)} |`;
}

/**
 * The fault and abuse report: what load the product held (the benchmarks), which faults were
 * injected and survived, which bad inputs were tried, and how much data was lost (must be 0),
 * each row with the command that reproduces it. Missing scenarios are listed, not hidden.
 */
export function renderFaultReport(
  bench: BenchResult[],
  faults: RecordedFault[],
  expected: readonly string[],
  problems: readonly string[] = [],
): string {
  const lost = faults.reduce((sum, f) => sum + f.dataLost, 0);
  const missing = expected.filter((id) => !faults.some((f) => f.id === id));
  const lines = [
    '# Fault and abuse report',
    '',
    `${bench.length} benchmarks, ${faults.filter((f) => f.kind === 'fault').length} faults, ` +
      `${faults.filter((f) => f.kind === 'bad-input').length} bad-input scenarios; ` +
      `data lost in total: **${lost}**${lost === 0 && !problems.length ? ' ✅' : ' ❌'}` +
      (problems.length
        ? ` in the rows that could be read; ${problems.length} result files could not be read (below).`
        : '.'),
    '',
    'Every row passed when it was recorded (a scenario records its row after its last assertion); ',
    'the date says when. Reproduce any row with its command from the repository root.',
    '',
  ];
  const header = [
    '| what | what held (measured) | data lost | reproduce | ran |',
    '|---|---|---|---|---|',
  ];
  lines.push(`## ${KIND_TITLE.load}`, '', ...header, ...bench.map(loadRow), '');
  for (const kind of ['fault', 'bad-input'] as const) {
    const rows = faults.filter((f) => f.kind === kind).sort((a, b) => a.id.localeCompare(b.id));
    lines.push(`## ${KIND_TITLE[kind]}`, '', ...header, ...rows.map(faultRow), '');
  }
  if (missing.length)
    lines.push(
      '## Not recorded',
      '',
      'These scenarios have no passing run on record:',
      '',
      ...missing.map((id) => `- \`${id}\``),
      '',
    );
  if (problems.length)
    lines.push('## Result files that could not be read', '', ...problems.map((p) => `- ${p}`), '');
  return `${lines.join('\n')}\n`;
}
