import { runChaos } from './run-chaos';

describe('chaos (short version of npm run chaos)', () => {
  it('stores and counts every status message exactly once through host kills, SIGTERMs and a Cosmos and queue outage', async () => {
    const lines: string[] = [];
    const report = await runChaos({
      envelopeMessages: 1_800,
      bareMessages: 200,
      stops: 4,
      uptimeMs: [2_000, 5_000],
      cosmosOutageMs: 10_000,
      queueOutageMs: 4_000,
      drainTimeoutMs: 150_000,
      seed: Date.now() % 1_000_000_007,
      log: (line) => lines.push(line),
    });
    // On failure the seed and the counts say what happened and how to repeat it (npm run chaos -- --seed N).
    expect({ ...report, log: lines }).toMatchObject({
      messages: 2_000,
      stored: 2_000,
      missing: 0,
      duplicates: 0,
      wrongIds: 0,
      poisoned: 0,
      deadLettered: 0,
      leftInQueue: 0,
      summaryMismatches: 0,
    });
    expect(report.sigkills + report.sigterms).toBe(4);
  }, 300_000);
});
