import { describe, it } from 'vitest';
import { executesCleanly, NOTEBOOK_TIMEOUT_MS } from './support.js';

describe('notebooks', () => {
  it(
    '04-forecast-backtest.ipynb executes headless without an error',
    () => executesCleanly('04-forecast-backtest.ipynb'),
    NOTEBOOK_TIMEOUT_MS,
  );
});
