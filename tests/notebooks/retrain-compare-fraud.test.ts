import { describe, it } from 'vitest';
import { executesCleanly, NOTEBOOK_TIMEOUT_MS } from './support.js';

describe('notebooks', () => {
  it(
    '02-retrain-compare-fraud.ipynb executes headless without an error',
    () => executesCleanly('02-retrain-compare-fraud.ipynb'),
    NOTEBOOK_TIMEOUT_MS,
  );
});
