/**
 * The simulated clock of a local run. Waits are scaled down in real time (a Wait of 30 s lasts
 * 30 × `msPerWaitSecond` real milliseconds) and retry intervals are skipped in real time, but
 * both move this clock by their full length: time read from it passes as it would on AWS.
 * Everything else (the checks, the handlers) takes its real time, 1:1.
 *
 * The guard (the workflow's clock on AWS), the fake alarm and the timeline read it. Runs that
 * share a clock add their waits together: share one only between runs of which at most one waits.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class SimulatedClock {
  /** Simulated milliseconds gained on real time so far. */
  private offsetMs = 0;

  /** Now, in simulated epoch milliseconds. */
  public now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the clock on by `ms` without waiting (a retry interval skipped in real time). */
  public advance(ms: number): void {
    this.offsetMs += Math.max(0, ms);
  }

  /** Waits `realMs` real milliseconds, moving the clock by `simulatedMs` in all. */
  public async wait(simulatedMs: number, realMs: number): Promise<void> {
    const started = Date.now();
    await sleep(realMs);
    this.advance(simulatedMs - (Date.now() - started));
  }
}
