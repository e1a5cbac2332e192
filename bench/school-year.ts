import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fixedClock } from '../platform/clock.js';
import { startHarness } from '../tests/support/harness.js';
import { runSchoolYear, YEAR_START } from '../tests/support/school-year.js';
import { createBenchDatabase, startBenchServer } from './bench-database.js';

const MONTHS = ['Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'Jan', 'Feb', 'Mar'];

/**
 * `npm run bench -- school-year [--subs N] [--seed S] [--pdfs]`: the school year of tests/support/school-year.ts
 * (the CI test runs 4 subscriptions) with N subscriptions (default 200) on one test clock, every check of the test,
 * then the baseline in the same run: as many bare advances, to the same instants, of a clock with no customers.
 * Without `--pdfs` the app has no object store (as in the test): invoices are not rendered.
 */
export async function schoolYearBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      subs: { type: 'string', default: '200' },
      seed: { type: 'string', default: '16' },
      pdfs: { type: 'boolean', default: false },
    },
  });
  const server = await startBenchServer();
  const database = await createBenchDatabase(server.url);
  const h = await startHarness({
    databaseUrl: database.url,
    clock: fixedClock(new Date('2027-06-01T06:00:00Z')),
    testClocks: true,
    withoutObjectStore: !values.pdfs,
  });
  try {
    const load = os.loadavg();
    const year = await runSchoolYear(h, { subscriptions: Number(values.subs), seed: Number(values.seed) });
    // The baseline: a clock with no customers, advanced to the same instants, one call each.
    const empty = await h.api('POST', '/v1/test-clocks', { frozen_time: YEAR_START.toISOString(), name: 'baseline' });
    const t0 = performance.now();
    for (const to of year.advancedTo) {
      const res = await h.api(
        'POST',
        `/v1/test-clocks/${empty.body.id}/advance`,
        { frozen_time: to.toISOString() },
        { prefer: 'wait=600' },
      );
      if (res.status !== 200) throw new Error(`baseline advance: ${JSON.stringify(res.body)}`);
    }
    const baselineMs = performance.now() - t0;
    const loadAfter = os.loadavg();
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${server.label}`,
    );
    console.log(
      `load average (1 min) before ${load[0]?.toFixed(1)}, after ${loadAfter[0]?.toFixed(1)}; ${new Date().toISOString()}`,
    );
    console.log(
      `\nschool year: ${year.subscriptions} subscriptions, seed ${values.seed}, ${year.steps} scripted actions, ${year.declines} declined renewals, PDFs ${values.pdfs ? 'on' : 'off'}`,
    );
    console.log('checked:');
    for (const c of year.checks) console.log(`  - ${c}`);
    console.log(year.problems.length === 0 ? 'every check held' : `${year.problems.length} differences:`);
    for (const p of year.problems) console.log(`  ✗ ${p}`);
    console.log(
      `\ninvoices ${year.invoices}, credit notes ${year.creditNotes}, gateway charges ${year.charges}, captured ₹${(year.capturedMinor / 100).toLocaleString('en-IN')}`,
    );
    console.log(
      `wall ${(year.wallMs / 1000).toFixed(1)} s for the year (${year.advances} advances, ${(year.wallMs / year.advances).toFixed(0)} ms each with the API calls between them)`,
    );
    console.log(
      `baseline: the same ${year.advances} advances of a clock with no customers ${(baselineMs / 1000).toFixed(1)} s (${(baselineMs / year.advances).toFixed(0)} ms each); ratio ${(year.wallMs / baselineMs).toFixed(1)}×`,
    );
    console.log('\n| month | advance time (s) |');
    console.log('| --- | ---: |');
    for (const [i, ms] of year.advanceMsPerMonth.entries()) console.log(`| ${MONTHS[i]} | ${(ms / 1000).toFixed(1)} |`);
  } finally {
    await h.close();
    await database.drop();
    await server.stop();
  }
}
