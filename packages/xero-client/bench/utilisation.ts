/**
 * How much of a sliding-window budget a run used: the mean, over window positions spread evenly
 * across the run, of (calls in the window / limit). Unlike "calls / (limit × windows)" it does not
 * reward a lucky alignment of bursts with the run's start and end.
 */
export function meanWindowOccupancy(
  times: number[],
  start: number,
  end: number,
  windowMs: number,
  limit: number,
): number {
  const sorted = [...times].sort((a, b) => a - b);
  const positions = 200;
  const span = end - start - windowMs;
  if (span <= 0) throw new Error('the run must be longer than one window');
  let sum = 0;
  for (let i = 0; i < positions; i++) {
    const from = start + (span * i) / (positions - 1);
    sum += countIn(sorted, from, from + windowMs) / limit;
  }
  return sum / positions;
}

/** The most calls any window of windowMs holds. */
export function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    best = Math.max(best, last - first + 1);
  }
  return best;
}

function countIn(sorted: number[], from: number, to: number): number {
  return lowerBound(sorted, to) - lowerBound(sorted, from);
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
