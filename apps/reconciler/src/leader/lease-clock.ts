/**
 * The two clocks a Lease is kept with, as client-go keeps them. `wall` (Unix milliseconds) only
 * stamps what is written into the Lease for others to read (renewTime, acquireTime). `monotonic`
 * (milliseconds from an arbitrary origin, never stepped) measures every elapsed time this process
 * decides on: a renew deadline, how long a holder has not renewed. Were those measured on the
 * wall clock, an NTP step back would keep a leader past its renew deadline (two leaders), and a
 * step forward would make a standby take over a Lease that is still held.
 */
export interface LeaseClock {
  wall(): number;
  monotonic(): number;
}

/** The system's clocks, read at each call (so a test's fake timers apply). */
export const systemLeaseClock: LeaseClock = {
  wall: () => Date.now(),
  monotonic: () => performance.now(),
};
