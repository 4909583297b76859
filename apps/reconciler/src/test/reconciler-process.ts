import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SOURCE_MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
const BUILT_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** The reconciler as production runs it: its own Node.js process, JSON logs on stdout. */
export class ReconcilerProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private stderr = '';

  /** `built`: run dist/main.js as production does (benchmarks); default: the sources via tsx. */
  constructor(env: Record<string, string>, options: { built?: boolean; nodeArgs?: string[] } = {}) {
    const args = [
      ...(options.nodeArgs ?? []),
      ...(options.built ? [BUILT_MAIN] : ['--import', 'tsx', SOURCE_MAIN]),
    ];
    this.child = spawn(process.execPath, args, {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...env,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // not JSON: ignore
        }
      }
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get errorOutput(): string {
    return this.stderr;
  }

  /** Waits for a log line matching `match` (by msg, or a predicate). */
  async waitForLog(
    match: string | ((line: LogLine) => boolean),
    timeoutMs = 30_000,
  ): Promise<LogLine> {
    const test = typeof match === 'string' ? (l: LogLine) => l.msg === match : match;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.find(test);
      if (found) return found;
      if (this.child.exitCode !== null)
        throw new Error(
          `reconciler exited (${this.child.exitCode}) before logging the line: ${this.stderr.slice(-2000)}`,
        );
      if (Date.now() > deadline)
        throw new Error(`reconciler did not log the line in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Where /metrics answers (from the startup log line). */
  async url(): Promise<string> {
    return String((await this.waitForLog('reconciler started')).url);
  }

  async metrics(): Promise<string> {
    return (await fetch(`${await this.url()}/metrics`)).text();
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Sum of a metric's samples whose line matches `filter` (0 when absent). */
export function metricValue(text: string, name: string, filter = ''): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && l.includes(filter))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Failed reconciles a reconciler (its `/metrics` at `url`) counted with this reason. */
export async function reconcileErrors(
  reconciler: { url: string },
  reason: string,
): Promise<number> {
  const text = await (await fetch(`${reconciler.url}/metrics`)).text();
  return metricValue(text, 'xao_reconcile_errors_total{', `reason="${reason}"`);
}
