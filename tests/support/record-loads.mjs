// `node --import ./tests/support/record-loads.mjs …`: appends the URL of every module the process loads to the file
// named by KOSH_TEST_RECORD_LOADS, so a test can tell which code a command loaded (the start-up tests: none of the
// server's). Its hook runs before tsx's (registered later, called first) and passes every load on unchanged.
import { register } from 'node:module';

const file = process.env.KOSH_TEST_RECORD_LOADS;
if (file !== undefined) register('./record-loads-hooks.mjs', import.meta.url, { data: { file } });
