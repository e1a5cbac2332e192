import { describe, it } from 'vitest';
import { executesCleanly, NOTEBOOK_TIMEOUT_MS } from './support.js';

describe('notebooks', () => {
  it(
    '01-explore-features.ipynb executes headless without an error',
    () => executesCleanly('01-explore-features.ipynb'),
    NOTEBOOK_TIMEOUT_MS,
  );
});
