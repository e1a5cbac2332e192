import { describe, it } from 'vitest';
import { executesCleanly, NOTEBOOK_TIMEOUT_MS } from './support.js';

describe('notebooks', () => {
  it(
    '03-churn-drivers.ipynb executes headless without an error',
    () => executesCleanly('03-churn-drivers.ipynb'),
    NOTEBOOK_TIMEOUT_MS,
  );
});
