import path from 'node:path';

/** Configuration comes from the environment, validated at start; every problem is listed at once. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `:memory:` for tests, else a file under dataDir. */
  readonly databasePath: string;
  readonly adminKey: string | null;
  readonly demo: boolean;
  readonly demoSeed: number;
  readonly demoPayments: number;
  readonly gateway: 'simulator' | 'razorpay';
  readonly razorpayKeyId: string | null;
  readonly razorpayKeySecret: string | null;
  readonly razorpayApiUrl: string;
  readonly razorpayWebhookSecrets: readonly string[];
  /** CIDR allow list for POST /webhooks/razorpay; empty = allow all. */
  readonly webhookAllowCidrs: readonly string[];
  /** CIDR deny list applied to every route. */
  readonly denyCidrs: readonly string[];
  readonly rateLimitPerMinute: number;
  readonly logLevel: string;
  /** Whether this process starts the job scheduler's timers (`KOSH_SCHEDULER`). */
  readonly scheduler: boolean;
  /** Schedule overrides by job name, from `KOSH_SCHEDULE_<NAME>`: a cron expression or `off`. */
  readonly schedules: Readonly<Record<string, string>>;
  /** Whether payments are screened by the fraud scorer and /v1/fraud/* serves (`KOSH_FRAUD_SCORING`, default on). */
  readonly fraudScoring: boolean;
  /** The hard time budget of one fraud decision in ms (`KOSH_FRAUD_BUDGET_MS`, default 50); past it, rules only. */
  readonly fraudBudgetMs: number;
}

/**
 * What loadConfig needs to check `KOSH_SCHEDULE_<NAME>` along with every other variable. The job registry
 * and the cron parser live in pipelines/, which platform/ cannot import, so the caller hands them in.
 */
export interface ScheduleRules {
  readonly jobs: readonly string[];
  /** Why a cron expression cannot be used, or null. */
  readonly cronProblem: (expression: string) => string | null;
}

const SCHEDULE_PREFIX = 'KOSH_SCHEDULE_';

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const CIDR = /^[0-9a-fA-F:.]+\/\d{1,3}$/;

export function loadConfig(env: Readonly<Record<string, string | undefined>>, rules?: ScheduleRules): Config {
  const problems: string[] = [];
  const str = (name: string): string | null => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? null : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = str(name);
    if (raw === null) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be a boolean (1/0/true/false), got "${raw}"`);
    return fallback;
  };
  const list = (name: string): string[] =>
    (str(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const cidrs = (name: string): string[] => {
    const items = list(name);
    for (const c of items) if (!CIDR.test(c)) problems.push(`${name}: "${c}" is not a CIDR block like 10.0.0.0/8`);
    return items;
  };

  const port = int('PORT', 3000, 0, 65535);
  const dataDir = path.resolve(str('KOSH_DATA_DIR') ?? './data');
  const gatewayRaw = str('KOSH_GATEWAY') ?? 'simulator';
  let gateway: Config['gateway'] = 'simulator';
  if (gatewayRaw === 'simulator' || gatewayRaw === 'razorpay') gateway = gatewayRaw;
  else problems.push(`KOSH_GATEWAY must be "simulator" or "razorpay", got "${gatewayRaw}"`);

  const adminKey = str('KOSH_ADMIN_KEY');
  if (adminKey !== null && adminKey.length < 24) problems.push('KOSH_ADMIN_KEY must be at least 24 characters');

  const razorpayKeyId = str('RAZORPAY_KEY_ID');
  const razorpayKeySecret = str('RAZORPAY_KEY_SECRET');
  const razorpayApiUrl = str('RAZORPAY_API_URL') ?? 'https://api.razorpay.com';
  if (!/^https?:\/\/[^\s]+$/.test(razorpayApiUrl))
    problems.push(`RAZORPAY_API_URL must be an http(s) URL, got "${razorpayApiUrl}"`);
  const razorpayWebhookSecrets = list('KOSH_RAZORPAY_WEBHOOK_SECRETS');
  if (gateway === 'razorpay') {
    if (razorpayKeyId === null) problems.push('RAZORPAY_KEY_ID is required when KOSH_GATEWAY=razorpay');
    if (razorpayKeySecret === null) problems.push('RAZORPAY_KEY_SECRET is required when KOSH_GATEWAY=razorpay');
    if (razorpayWebhookSecrets.length === 0) {
      problems.push('KOSH_RAZORPAY_WEBHOOK_SECRETS is required when KOSH_GATEWAY=razorpay');
    }
  }
  const schedulerRaw = (str('KOSH_SCHEDULER') ?? 'on').toLowerCase();
  if (schedulerRaw !== 'on' && schedulerRaw !== 'off') {
    problems.push(`KOSH_SCHEDULER must be "on" or "off", got "${schedulerRaw}"`);
  }
  const schedules: Record<string, string> = {};
  for (const name of Object.keys(env).filter((k) => k.startsWith(SCHEDULE_PREFIX))) {
    const value = str(name);
    if (value === null) continue;
    const job = name.slice(SCHEDULE_PREFIX.length).toLowerCase().replace(/_/g, '-');
    schedules[job] = value.toLowerCase() === 'off' ? 'off' : value;
    if (rules === undefined) continue;
    if (!rules.jobs.includes(job)) {
      problems.push(`${name}: there is no job named ${job} (jobs: ${rules.jobs.join(', ')})`);
      continue;
    }
    const problem = schedules[job] === 'off' ? null : rules.cronProblem(value);
    if (problem !== null) problems.push(`${name} must be a cron expression or "off", got "${value}": ${problem}`);
  }
  const databaseRaw = str('KOSH_DATABASE');
  const config: Config = {
    port,
    host: str('HOST') ?? '127.0.0.1',
    dataDir,
    databasePath: databaseRaw === ':memory:' ? ':memory:' : path.resolve(dataDir, databaseRaw ?? 'kosh.duckdb'),
    adminKey,
    demo: bool('KOSH_DEMO', false),
    demoSeed: int('KOSH_DEMO_SEED', 42, 0, 2 ** 31 - 1),
    demoPayments: int('KOSH_DEMO_PAYMENTS', 20_000, 0, 50_000_000),
    gateway,
    razorpayKeyId,
    razorpayKeySecret,
    razorpayApiUrl,
    razorpayWebhookSecrets,
    webhookAllowCidrs: cidrs('KOSH_WEBHOOK_ALLOW_CIDRS'),
    denyCidrs: cidrs('KOSH_DENY_CIDRS'),
    rateLimitPerMinute: int('KOSH_RATE_LIMIT_PER_MINUTE', 6000, 1, 10_000_000),
    logLevel: str('LOG_LEVEL') ?? 'info',
    scheduler: schedulerRaw !== 'off',
    schedules,
    fraudScoring: bool('KOSH_FRAUD_SCORING', true),
    fraudBudgetMs: int('KOSH_FRAUD_BUDGET_MS', 50, 1, 10_000),
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${config.logLevel}"`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
