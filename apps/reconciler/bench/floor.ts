/**
 * The earliest the last of `calls` calls can be made when at most `perWindow` calls may fall in
 * any window of `windowMs` (a rolling window, as Xero and the sandbox count): call k > perWindow
 * waits for call k - perWindow to leave the window.
 */
export function rateLimitFloorMs(calls: number, perWindow: number, windowMs: number): number {
  if (calls <= perWindow) return 0;
  return Math.floor((calls - 1) / perWindow) * windowMs;
}
