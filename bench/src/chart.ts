import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { goalMet, type BenchResult } from './results.js';

/** A grouped bar chart per benchmark: each figure's measured value beside its baseline and goal. */
export async function renderChart(result: BenchResult): Promise<Buffer> {
  const rows = result.figures.flatMap((f) => {
    const label = `${f.label} (${f.unit})`;
    const out = [
      {
        figure: label,
        series: goalMet(f) === false ? 'measured (goal missed)' : 'measured',
        value: f.value,
      },
    ];
    if (f.baseline) out.push({ figure: label, series: `baseline`, value: f.baseline.value });
    if (f.goal) out.push({ figure: label, series: 'goal', value: f.goal.value });
    return out;
  });
  const series = ['measured', 'measured (goal missed)', 'baseline', 'goal'];
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: result.title,
    data: { values: rows },
    facet: {
      field: 'figure',
      type: 'nominal',
      sort: null,
      header: { labelLimit: 300, labelFontSize: 11, title: null },
    },
    columns: 3,
    spec: {
      width: 260,
      height: 160,
      mark: 'bar',
      encoding: {
        x: { field: 'series', type: 'nominal', axis: null, sort: series },
        y: { field: 'value', type: 'quantitative', title: null },
        color: {
          field: 'series',
          type: 'nominal',
          legend: { labelLimit: 300, title: null },
          scale: { domain: series, range: ['#2b8a3e', '#c92a2a', '#868e96', '#1c7ed6'] },
        },
      },
    },
    resolve: { scale: { y: 'independent' } },
    config: { font: 'DejaVu Sans', background: 'white' },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return new Resvg(svg, { font: { loadSystemFonts: true }, background: 'white' }).render().asPng();
}
