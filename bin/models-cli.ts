import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { startCanary, stopCanary } from '../models/registry/canary.js';
import { listModels } from '../models/registry/find-models.js';
import { promoteModel } from '../models/registry/promote-model.js';
import { rollbackModel } from '../models/registry/rollback-model.js';
import type { RegisteredModel } from '../models/registry/types.js';
import { type TrainPhase, trainFraud } from '../pipelines/train-fraud.js';
import { systemClock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { Db } from '../platform/db.js';
import { AppError } from '../platform/errors.js';
import { createLog } from '../platform/log.js';
import { migrate } from '../platform/migrate.js';
import { localObjectStoreRoot, type ObjectStore } from '../platform/objects.js';
import { openDatabase } from '../platform/open-database.js';
import { openObjectStore } from '../platform/open-object-store.js';
import { connectToServer } from './server-client.js';
import { table } from './text-table.js';

type Stamp = Date | string;
type ModelLine = Omit<RegisteredModel, 'created_at' | 'train_from' | 'train_to' | 'validation_from'> & {
  created_at: Stamp;
  train_from: Stamp | null;
  train_to: Stamp;
  validation_from: Stamp;
};
interface TrainAnswer {
  model: ModelLine;
  became_champion: boolean;
  timings_ms: { features: number; training: number; saving: number };
}
interface PromoteAnswer {
  model: ModelLine;
  previous: string | null;
  gate: {
    candidate: number;
    champion: number;
    rows: number;
    positives: number;
    difference: { value: number; lo: number; hi: number };
  } | null;
}

class ModelsCliError extends Error {}

/** Who runs the CLI, for the audit trail of a forced promotion. */
function cliUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'unknown';
  }
}

/** What `kosh train` and `kosh models` need: the running server's API, or this process on the database. */
interface ModelsBackend {
  readonly where: string;
  train(body: { from?: string; to?: string; seed?: number; validation_share?: number }): Promise<TrainAnswer>;
  list(state?: string, task?: string): Promise<ModelLine[]>;
  promote(version: string, force: { reason: string } | null): Promise<PromoteAnswer>;
  rollback(): Promise<{ model: ModelLine; rolled_back: string }>;
  canary(version: string, share: number): Promise<{ model_id: string; share: number }>;
  stopCanary(): Promise<{ model_id: string }>;
  close(): Promise<void>;
}

/** A progress bar on stderr: redrawn in place on a terminal, a line per phase and per 10 % otherwise. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): {
  update(phase: TrainPhase, done: number, total: number): void;
  end(): void;
} {
  const started = Date.now();
  let lastLine = '';
  let lastPhase = '';
  let lastTenth = -1;
  return {
    update: (phase, done, total) => {
      const ratio = total <= 0 ? 0 : Math.min(1, done / total);
      const width = 30;
      const filled = Math.round(ratio * width);
      const line = `${phase.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${((Date.now() - started) / 1000).toFixed(1)} s`;
      if (stream.isTTY) {
        if (line !== lastLine) stream.write(`\r${line}`);
      } else {
        const tenth = Math.floor(ratio * 10);
        if (phase !== lastPhase || tenth !== lastTenth) stream.write(`${line}\n`);
        lastTenth = tenth;
      }
      lastLine = line;
      lastPhase = phase;
    },
    end: () => {
      if (stream.isTTY && lastLine !== '') stream.write('\n');
    },
  };
}

async function serverBackend(config: Config): Promise<ModelsBackend | null> {
  // Training runs inside the request: allow it an hour.
  const server = await connectToServer(config, {
    fail: (message) => new ModelsCliError(message),
    timeoutMs: 3_600_000,
  });
  if (server === null) return null;
  const { call } = server;
  return {
    where: `via the server at ${server.url}`,
    train: (body) => call<TrainAnswer>('POST', '/models/fraud/train', 201, body),
    list: async (state, task = 'fraud') =>
      (
        await call<{ data: ModelLine[] }>(
          'GET',
          `/models?task=${encodeURIComponent(task)}${state === undefined ? '' : `&state=${encodeURIComponent(state)}`}`,
          200,
        )
      ).data,
    promote: (version, force) =>
      call<PromoteAnswer>(
        'POST',
        `/models/${encodeURIComponent(version)}/promote`,
        200,
        force === null ? {} : { force: true, reason: force.reason },
      ),
    rollback: () => call('POST', '/models/fraud/rollback', 200, {}),
    canary: (version, share) => call('POST', '/models/fraud/canary', 201, { version, share }),
    stopCanary: () => call('DELETE', '/models/fraud/canary', 200),
    close: async () => undefined,
  };
}

async function localBackend(config: Config, onProgress?: (phase: TrainPhase, done: number, total: number) => void) {
  const clock = systemClock;
  const log = createLog({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const database = await openDatabase(config);
  const db: Db = database.db;
  await migrate(db, clock);
  const objects: ObjectStore = openObjectStore(config);
  const deps = { db, clock, log, objects };
  const wrap = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (err) {
      if (err instanceof AppError) throw new ModelsCliError(err.message);
      throw err;
    }
  };
  const backend: ModelsBackend = {
    where: `in this process on ${db.location}`,
    train: (body) =>
      wrap(
        trainFraud(deps, {
          from: body.from === undefined ? undefined : new Date(body.from),
          to: body.to === undefined ? undefined : new Date(body.to),
          seed: body.seed,
          validationShare: body.validation_share,
          onProgress,
        }),
      ),
    list: (state, task = 'fraud') =>
      wrap(
        listModels(deps, {
          task: task as RegisteredModel['task'],
          state: state as RegisteredModel['state'] | undefined,
        }),
      ),
    promote: (version, force) =>
      wrap(
        promoteModel(
          deps,
          version,
          force === null ? {} : { force: { actor: `cli:${cliUser()}`, reason: force.reason } },
        ),
      ),
    rollback: () => wrap(rollbackModel(deps, 'fraud')),
    canary: (version, share) => wrap(startCanary(deps, { task: 'fraud', version, share })),
    stopCanary: () => wrap(stopCanary(deps, { task: 'fraud' })),
    close: () => database.close(),
  };
  return backend;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const iso = (s: Stamp | null): string => (s === null ? '—' : new Date(s).toISOString().replace('.000Z', 'Z'));
const metric = (m: ModelLine, name: string): string => {
  const v = m.metrics[name];
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—';
};

async function withBackend(
  config: Config,
  work: (backend: ModelsBackend) => Promise<number>,
  onProgress?: (phase: TrainPhase, done: number, total: number) => void,
): Promise<number> {
  const backend = (await serverBackend(config)) ?? (await localBackend(config, onProgress));
  try {
    return await work(backend);
  } catch (err) {
    if (!(err instanceof ModelsCliError)) throw err;
    console.error(err.message);
    return 1;
  } finally {
    await backend.close();
  }
}

/** `kosh train fraud [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--seed N] [--validation-share F]`. */
export async function runTrainCli(argv: string[], config: Config, usage: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      seed: { type: 'string' },
      'validation-share': { type: 'string' },
    },
  });
  if (positionals[0] !== 'fraud' || positionals.length !== 1) {
    console.error(usage);
    return 1;
  }
  for (const name of ['from', 'to'] as const) {
    const v = values[name];
    if (v !== undefined && (!DAY.test(v) || Number.isNaN(Date.parse(v)))) {
      console.error(`--${name} must be a date YYYY-MM-DD (UTC midnight), got "${v}"`);
      return 1;
    }
  }
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 2_147_483_647)) {
    console.error('--seed must be an integer from 0 to 2147483647');
    return 1;
  }
  const share = values['validation-share'] === undefined ? undefined : Number(values['validation-share']);
  if (share !== undefined && !(share >= 0.05 && share <= 0.5)) {
    console.error('--validation-share must be from 0.05 to 0.5');
    return 1;
  }
  const bar = progressBar();
  return withBackend(
    config,
    async (backend) => {
      if (backend.where.startsWith('via'))
        console.error(`training on the server (${backend.where}); this waits until it is done…`);
      const started = Date.now();
      const result = await backend
        .train({
          ...(values.from === undefined ? {} : { from: values.from }),
          ...(values.to === undefined ? {} : { to: values.to }),
          ...(seed === undefined ? {} : { seed }),
          ...(share === undefined ? {} : { validation_share: share }),
        })
        .finally(() => bar.end());
      const m = result.model;
      console.log(
        `${m.id}: ${m.state}${result.became_champion ? ' (the first fraud model: champion without a gate)' : ''}`,
      );
      console.log(
        `  window:      ${iso(m.train_from)} → ${iso(m.train_to)} (validation from ${iso(m.validation_from)})`,
      );
      console.log(`  rows:        ${m.train_rows} training, ${m.validation_rows} validation; seed ${m.seed}`);
      console.log(
        `  validation:  ROC-AUC ${metric(m, 'rocAuc')}  PR-AUC ${metric(m, 'prAuc')}  recall@0.5%FPR ${metric(m, 'recallAtHalfPercentFpr')}  precision@block ${metric(m, 'precisionAtBlock')}  ECE ${metric(m, 'calibrationError')}`,
      );
      console.log(
        `  took:        ${((Date.now() - started) / 1000).toFixed(1)} s (features ${result.timings_ms.features} ms, training ${result.timings_ms.training} ms, saving ${result.timings_ms.saving} ms) ${backend.where}`,
      );
      console.log(`  report:      ${localObjectStoreRoot(config.dataDir)}/models/fraud/${m.id}/report.html`);
      if (!result.became_champion) console.log(`  promote with: kosh models promote ${m.id}`);
      return 0;
    },
    (phase, done, total) => bar.update(phase, done, total),
  );
}

/** `kosh models list [--json] | promote VERSION [--force --reason TEXT] | rollback | canary VERSION SHARE | canary stop`. */
export async function runModelsCli(argv: string[], config: Config, usage: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      force: { type: 'boolean' },
      reason: { type: 'string' },
      state: { type: 'string' },
      task: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const [sub, a, b] = positionals;
  const ok =
    (sub === 'list' && a === undefined) ||
    (sub === 'promote' && a !== undefined && b === undefined) ||
    (sub === 'rollback' && a === undefined) ||
    (sub === 'canary' && ((a === 'stop' && b === undefined) || (a !== undefined && b !== undefined)));
  if (!ok) {
    console.error(usage);
    return 1;
  }
  return withBackend(config, async (backend) => {
    switch (sub) {
      case 'list': {
        if (values.task !== undefined && values.task !== 'fraud' && values.task !== 'churn')
          throw new ModelsCliError('--task must be fraud or churn');
        const models = await backend.list(values.state, values.task);
        if (values.json === true) {
          console.log(JSON.stringify(models, null, 2));
          return 0;
        }
        console.log(
          table(
            ['VERSION', 'STATE', 'ALGORITHM', 'ROWS', 'PR-AUC', 'ROC-AUC', 'CREATED'],
            models.map((m) => [
              m.id,
              m.state,
              m.algorithm,
              `${m.train_rows}+${m.validation_rows}`,
              metric(m, 'prAuc'),
              metric(m, 'rocAuc'),
              iso(m.created_at),
            ]),
          ),
        );
        if (models.length === 0)
          console.log(`no ${values.task ?? 'fraud'} models yet: kosh train ${values.task ?? 'fraud'}`);
        return 0;
      }
      case 'promote': {
        const reason = values.reason?.trim() ?? '';
        if (values.force === true && reason === '')
          throw new ModelsCliError('--force needs --reason "why the gate is overridden" (kept in the registry)');
        const r = await backend.promote(a ?? '', values.force === true ? { reason } : null);
        const gate =
          r.gate === null
            ? values.force === true
              ? 'forced, gate skipped'
              : 'no champion to compare with'
            : `ROC-AUC ${r.gate.candidate.toFixed(4)} vs champion ${r.gate.champion.toFixed(4)} on ${r.gate.rows} fresh rows (${r.gate.positives} positives), difference ${r.gate.difference.value.toFixed(4)} [${r.gate.difference.lo.toFixed(4)}, ${r.gate.difference.hi.toFixed(4)}]`;
        console.log(`${r.model.id} is the champion (was ${r.previous ?? 'none'}): ${gate}`);
        return 0;
      }
      case 'rollback': {
        const r = await backend.rollback();
        console.log(`rolled back ${r.rolled_back}; ${r.model.id} is the champion again`);
        return 0;
      }
      default: {
        if (a === 'stop') {
          const c = await backend.stopCanary();
          console.log(`canary of ${c.model_id} stopped`);
          return 0;
        }
        const share = Number(b);
        if (!(share > 0 && share <= 1)) throw new ModelsCliError('SHARE must be above 0 and at most 1, e.g. 0.05');
        const c = await backend.canary(a ?? '', share);
        console.log(`canary: ${c.model_id} scores ${(c.share * 100).toFixed(1)} % of customers (${backend.where})`);
        return 0;
      }
    }
  });
}
