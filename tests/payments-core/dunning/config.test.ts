import { describe, expect, it } from 'vitest';
import { JOBS } from '../../../pipelines/jobs.js';
import { ConfigError, loadConfig } from '../../../platform/config.js';

describe('dunning configuration', () => {
  it('when nothing is set → +1, +3, +5, +7 days, cancel, links on localhost; the job runs every 6 hours', () => {
    expect(loadConfig({ PORT: '4000' }).dunning).toEqual({
      scheduleDays: [1, 3, 5, 7],
      finalAction: 'cancel',
      publicUrl: 'http://localhost:4000',
    });
    expect(JOBS.find((j) => j.name === 'dunning')?.cron).toBe('0 */6 * * *');
  });

  it('when set → taken; when malformed → every problem named at once', () => {
    expect(
      loadConfig({
        KOSH_DUNNING_SCHEDULE_DAYS: '2, 4,10',
        KOSH_DUNNING_FINAL_ACTION: 'mark_unpaid',
        KOSH_PUBLIC_URL: 'https://pay.example.in/',
      }).dunning,
    ).toEqual({ scheduleDays: [2, 4, 10], finalAction: 'mark_unpaid', publicUrl: 'https://pay.example.in' });
    for (const days of ['3,1', '1,1', '0,2', '1,x', '1,2,3,4,5,6,7,8,9,10,11', '1,61']) {
      expect(() => loadConfig({ KOSH_DUNNING_SCHEDULE_DAYS: days })).toThrow(/KOSH_DUNNING_SCHEDULE_DAYS/);
    }
    try {
      loadConfig({
        KOSH_DUNNING_FINAL_ACTION: 'delete',
        KOSH_PUBLIC_URL: 'ftp://x',
        KOSH_DUNNING_SCHEDULE_DAYS: '5,4',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.join('\n')).toMatch(
        /KOSH_DUNNING_SCHEDULE_DAYS[\s\S]*KOSH_DUNNING_FINAL_ACTION[\s\S]*KOSH_PUBLIC_URL/,
      );
    }
  });
});
