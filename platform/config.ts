import { availableParallelism } from 'node:os';
import path from 'node:path';
import { gstinProblem, gstinStateCode } from './gstin.js';
import { addressOf, smtpUrlProblem } from './mail-address.js';

/** Configuration comes from the environment, validated at start; every problem is listed at once. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `KOSH_DATABASE_URL`: a PostgreSQL server; null = the embedded PostgreSQL under `dataDir/postgres`. */
  readonly databaseUrl: string | null;
  readonly adminKey: string | null;
  readonly demo: boolean;
  /**
   * `KOSH_TEST_CLOCKS` (on under `KOSH_DEMO=1`, else off): the /v1/test-clocks routes and customers created on a
   * clock. Off, the routes answer 404 and a customer's `test_clock` is 422.
   */
  readonly testClocks: boolean;
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
  /**
   * `KOSH_IDEMPOTENCY_LOCK_SECONDS` (60): how long a request holds its `Idempotency-Key`. A retry within it is 409
   * `idempotency_key_in_use`; after it the request is taken to have died, and a retry resumes from its recovery point.
   */
  readonly idempotencyLockMs: number;
  /** `KOSH_AUTH_FAILURES_PER_MINUTE` (20): unknown API keys a client IP may send per minute before it gets 429. */
  readonly authFailuresPerMinute: number;
  /**
   * `KOSH_REQUEST_TIMEOUT_SECONDS` (30): how long a client may take to send a whole request (headers and body). A
   * slower one gets 408 and its connection closed, so slow uploads cannot hold connections open.
   */
  readonly requestTimeoutMs: number;
  /**
   * `KOSH_CONNECTION_TIMEOUT_SECONDS` (600): a connection on which nothing moves, either way, for this long is closed
   * (the socket's inactivity timeout): the cap on a connection a client opens and then leaves silent.
   */
  readonly connectionTimeoutMs: number;
  /**
   * `KOSH_UPLOAD_MAX_MB` (256): the largest upload (a settlement report) accepted. An upload streams to a temporary
   * file and is refused with 413 the moment it passes this, so no upload is ever held in memory.
   */
  readonly uploadLimitBytes: number;
  /** `KOSH_KILL_AT` (crash tests only, platform/kill-points.ts): a named point where the process SIGKILLs itself. */
  readonly killAt: string | null;
  readonly logLevel: string;
  /** `pretty` (coloured lines for a person), `json` (one object per line), or `auto`: pretty on a terminal. */
  readonly logFormat: 'auto' | 'pretty' | 'json';
  /**
   * `kosh serve` processes on the port (`KOSH_WORKERS`, or `--workers`; default the cores, os.availableParallelism):
   * 1 serves in this process; N > 1 forks N workers with node:cluster (serving/workers.ts).
   */
  readonly workers: number;
  /** Whether this process starts the job scheduler's timers (`KOSH_SCHEDULER`). */
  readonly scheduler: boolean;
  /** Schedule overrides by job name, from `KOSH_SCHEDULE_<NAME>`: a cron expression or `off`. */
  readonly schedules: Readonly<Record<string, string>>;
  /** Whether payments are screened by the fraud scorer and /v1/fraud/* serves (`KOSH_FRAUD_SCORING`, default on). */
  readonly fraudScoring: boolean;
  /** The hard time budget of one fraud decision in ms (`KOSH_FRAUD_BUDGET_MS`, default 50); past it, rules only. */
  readonly fraudBudgetMs: number;
  /** Alert rules (payments-core/monitoring): `KOSH_ALERT_WINDOW_MINUTES` (5), `KOSH_ALERT_MIN_PAYMENTS` (20),
   *  `KOSH_ALERT_MIN_REQUESTS` (100), `KOSH_ALERT_WEBHOOK_URL` (a Slack-compatible incoming webhook; none by default). */
  readonly alerting: {
    readonly windowMs: number;
    readonly minPayments: number;
    readonly minRequests: number;
    readonly webhookUrl: string | null;
  };
  /** `KOSH_METRICS_TOKEN`: when set, GET /metrics needs `Authorization: Bearer <token>`; unset, loopback clients only. */
  readonly metricsToken: string | null;
  /** `KOSH_SHUTDOWN_TIMEOUT_SECONDS` (30): how long a stop waits for in-flight requests and jobs before cutting them. */
  readonly shutdownTimeoutMs: number;
  /** Dunning (payments-core/dunning): retry days after a failed renewal and the action after the last one. */
  readonly dunning: DunningConfig;
  /**
   * The billing run (payments-core/billing): `KOSH_BILLING_CHUNK_SIZE` (500), `KOSH_BILLING_CONCURRENCY` (16
   * gateway calls in flight), `KOSH_BILLING_GATEWAY_RPS` (client-side gateway rate limit; unset = none),
   * `KOSH_BILLING_CLAIM_TTL_SECONDS` (600: after it a record held by a run that died is resumed by the next run).
   */
  readonly billing: {
    readonly chunkSize: number;
    readonly concurrency: number;
    readonly gatewayRatePerSecond: number | null;
    readonly claimTtlMs: number;
  };
  /** Where objects live (`KOSH_OBJECT_STORE`): `local` = `dataDir/objects`, `s3` = the S3 settings below. */
  readonly objectStore: 'local' | 's3';
  readonly s3: S3Config;
  /** `KOSH_SMTP_URL` (`smtp://user:pass@host:port` or `smtps://…`); null = `.eml` files under `dataDir/outbox`. */
  readonly smtpUrl: string | null;
  /** `KOSH_MAIL_FROM`: the From of every email (`kosh <billing@example.com>` or a bare address). */
  readonly mailFrom: string;
  /** Invoices (payments-core/invoices): the supplier printed on every GST document, finalisation delay, due days. */
  readonly invoicing: InvoicingConfig;
}

/**
 * `KOSH_SUPPLIER_GSTIN` (format and check character checked; its first two digits are the supplier's GST state),
 * `KOSH_SUPPLIER_LEGAL_NAME`, `KOSH_SUPPLIER_ADDRESS`, `KOSH_SUPPLIER_EMAIL`, `KOSH_SUPPLIER_STATE` (ISO code, e.g.
 * KA; must match the GSTIN's state when given), `KOSH_INVOICE_FINALIZE_DELAY_MINUTES` (60: drafts from billing
 * are finalised that long after creation), `KOSH_INVOICE_DUE_DAYS` (15). Defaults are a clearly fictitious demo
 * supplier in Karnataka.
 */
export interface InvoicingConfig {
  readonly supplier: {
    readonly gstin: string;
    readonly legalName: string;
    readonly address: string;
    readonly email: string | null;
    /** GST state code (two digits), from the GSTIN. */
    readonly stateCode: string;
  };
  readonly finalizeDelayMinutes: number;
  readonly dueDays: number;
}

/** GST state codes by ISO 3166-2:IN code (the same table as payments-core/schools/state-codes.ts, which platform cannot import). */
const GST_STATE_OF_ISO: Readonly<Record<string, string>> = {
  AN: '35',
  AP: '37',
  AR: '12',
  AS: '18',
  BR: '10',
  CH: '04',
  CG: '22',
  DH: '26',
  DL: '07',
  GA: '30',
  GJ: '24',
  HR: '06',
  HP: '02',
  JK: '01',
  JH: '20',
  KA: '29',
  KL: '32',
  LA: '38',
  LD: '31',
  MP: '23',
  MH: '27',
  MN: '14',
  ML: '17',
  MZ: '15',
  NL: '13',
  OD: '21',
  PY: '34',
  PB: '03',
  RJ: '08',
  SK: '11',
  TN: '33',
  TG: '36',
  TR: '16',
  UP: '09',
  UK: '05',
  WB: '19',
};

function invoicingConfig(
  raw: {
    gstin: string | null;
    name: string | null;
    address: string | null;
    email: string | null;
    state: string | null;
  },
  delay: number,
  dueDays: number,
  problems: string[],
): InvoicingConfig {
  const gstin = (raw.gstin ?? '29AABCK0510K1ZR').toUpperCase();
  const problem = gstinProblem(gstin);
  if (problem !== null) {
    problems.push(
      `KOSH_SUPPLIER_GSTIN must be a valid GSTIN (${problem === 'format' ? '15 characters like 27AAPFU0939F1ZV' : 'its check character does not match'}), got "${gstin}"`,
    );
  }
  const stateCode = gstinStateCode(gstin);
  if (raw.state !== null) {
    const expected = GST_STATE_OF_ISO[raw.state.toUpperCase()];
    if (expected === undefined)
      problems.push(`KOSH_SUPPLIER_STATE must be an ISO 3166-2:IN code like KA, got "${raw.state}"`);
    else if (expected !== stateCode) {
      problems.push(
        `KOSH_SUPPLIER_STATE ${raw.state} (GST code ${expected}) does not match the GSTIN's state ${stateCode}`,
      );
    }
  }
  return {
    supplier: {
      gstin,
      legalName: raw.name ?? 'Kosh School Meals Private Limited (demo)',
      address: raw.address ?? '12 Residency Road, Bengaluru, Karnataka 560025',
      email: raw.email ?? 'billing@kosh.example',
      stateCode,
    },
    finalizeDelayMinutes: delay,
    dueDays,
  };
}

/** `KOSH_S3_*`: read and checked always, used when `KOSH_OBJECT_STORE=s3`. */
export interface S3Config {
  /** An S3-compatible endpoint URL (MinIO, …); null = AWS S3. */
  readonly endpoint: string | null;
  readonly region: string;
  /** Both or neither; neither = the AWS SDK's default credential chain (env, profile, instance role). */
  readonly accessKeyId: string | null;
  readonly secretAccessKey: string | null;
  /** Path-style URLs; default on when an endpoint is set (what S3-compatible stores expect), off for AWS. */
  readonly forcePathStyle: boolean;
  readonly buckets: {
    readonly uploads: string;
    readonly models: string;
    readonly invoices: string;
    readonly analytics: string;
  };
}

/** S3's bucket naming rules: 3–63 of a-z 0-9 . -, starting and ending with a letter or digit, no `..`. */
const S3_BUCKET = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `KOSH_DUNNING_SCHEDULE_DAYS` (default 1,3,5,7: whole days after the failure, strictly increasing, 1 to 10
 * steps within 60 days), `KOSH_DUNNING_FINAL_ACTION` (cancel | mark_unpaid, default cancel),
 * `KOSH_PUBLIC_URL` (the base of the payment-method update links in dunning emails; default http://localhost:<PORT>).
 */
export interface DunningConfig {
  readonly scheduleDays: readonly number[];
  readonly finalAction: 'cancel' | 'mark_unpaid';
  readonly publicUrl: string;
}

function dunningConfig(
  raw: { days: string | null; action: string | null; publicUrl: string | null; port: number },
  problems: string[],
): DunningConfig {
  let scheduleDays = [1, 3, 5, 7];
  if (raw.days !== null) {
    const parts = raw.days.split(',').map((s) => s.trim());
    const days = parts.map(Number);
    const ok =
      parts.length >= 1 &&
      parts.length <= 10 &&
      days.every((d, i) => Number.isInteger(d) && d >= 1 && d <= 60 && (i === 0 || d > (days[i - 1] ?? 0)));
    if (ok) scheduleDays = days;
    else {
      problems.push(
        `KOSH_DUNNING_SCHEDULE_DAYS must be 1 to 10 strictly increasing whole days from 1 to 60, like 1,3,5,7; got "${raw.days}"`,
      );
    }
  }
  const action = raw.action ?? 'cancel';
  if (action !== 'cancel' && action !== 'mark_unpaid') {
    problems.push(`KOSH_DUNNING_FINAL_ACTION must be "cancel" or "mark_unpaid", got "${action}"`);
  }
  const publicUrl = (raw.publicUrl ?? `http://localhost:${raw.port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s]+$/.test(publicUrl))
    problems.push(`KOSH_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  return { scheduleDays, finalAction: action === 'mark_unpaid' ? 'mark_unpaid' : 'cancel', publicUrl };
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
  const workers = int('KOSH_WORKERS', availableParallelism(), 1, 64);
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
  const objectStoreRaw = str('KOSH_OBJECT_STORE') ?? 'local';
  let objectStore: Config['objectStore'] = 'local';
  if (objectStoreRaw === 'local' || objectStoreRaw === 's3') objectStore = objectStoreRaw;
  else problems.push(`KOSH_OBJECT_STORE must be "local" or "s3", got "${objectStoreRaw}"`);
  const loadS3Config = (): S3Config => {
    const endpoint = str('KOSH_S3_ENDPOINT');
    if (endpoint !== null && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(endpoint)) {
      problems.push(`KOSH_S3_ENDPOINT must be an http(s) URL, got "${endpoint}"`);
    }
    const region = str('KOSH_S3_REGION') ?? 'us-east-1';
    if (!/^[a-z]{2}(-[a-z0-9]+)+$/.test(region))
      problems.push(`KOSH_S3_REGION must look like ap-south-1, got "${region}"`);
    const accessKeyId = str('KOSH_S3_ACCESS_KEY_ID');
    const secretAccessKey = str('KOSH_S3_SECRET_ACCESS_KEY');
    if ((accessKeyId === null) !== (secretAccessKey === null)) {
      problems.push('KOSH_S3_ACCESS_KEY_ID and KOSH_S3_SECRET_ACCESS_KEY must be set together (or neither)');
    }
    const bucket = (name: 'uploads' | 'models' | 'invoices' | 'analytics'): string => {
      const variable = `KOSH_S3_BUCKET_${name.toUpperCase()}`;
      const value = str(variable) ?? `kosh-${name}`;
      if (!S3_BUCKET.test(value)) {
        problems.push(`${variable} must be an S3 bucket name (3-63 of a-z 0-9 . -), got "${value}"`);
      }
      return value;
    };
    const buckets = {
      uploads: bucket('uploads'),
      models: bucket('models'),
      invoices: bucket('invoices'),
      analytics: bucket('analytics'),
    };
    const names = Object.values(buckets);
    if (new Set(names).size !== names.length) problems.push('KOSH_S3_BUCKET_*: the four buckets must be distinct');
    return {
      endpoint,
      region,
      accessKeyId,
      secretAccessKey,
      forcePathStyle: bool('KOSH_S3_FORCE_PATH_STYLE', endpoint !== null),
      buckets,
    };
  };
  const databaseUrl = str('KOSH_DATABASE_URL');
  if (databaseUrl !== null && !/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl)) {
    problems.push('KOSH_DATABASE_URL: must be a postgres:// or postgresql:// connection URL');
  }
  const demo = bool('KOSH_DEMO', false);
  const config: Config = {
    port,
    host: str('HOST') ?? '127.0.0.1',
    dataDir,
    databaseUrl,
    adminKey,
    demo,
    testClocks: bool('KOSH_TEST_CLOCKS', demo),
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
    idempotencyLockMs: int('KOSH_IDEMPOTENCY_LOCK_SECONDS', 60, 1, 3600) * 1000,
    authFailuresPerMinute: int('KOSH_AUTH_FAILURES_PER_MINUTE', 20, 1, 1_000_000),
    requestTimeoutMs: int('KOSH_REQUEST_TIMEOUT_SECONDS', 30, 1, 3600) * 1000,
    connectionTimeoutMs: int('KOSH_CONNECTION_TIMEOUT_SECONDS', 600, 1, 86_400) * 1000,
    uploadLimitBytes: int('KOSH_UPLOAD_MAX_MB', 256, 1, 4096) * 1024 * 1024,
    killAt: str('KOSH_KILL_AT'),
    logLevel: str('LOG_LEVEL') ?? 'info',
    logFormat: (str('LOG_FORMAT') ?? 'auto') as Config['logFormat'],
    workers,
    scheduler: schedulerRaw !== 'off',
    schedules,
    fraudScoring: bool('KOSH_FRAUD_SCORING', true),
    fraudBudgetMs: int('KOSH_FRAUD_BUDGET_MS', 50, 1, 10_000),
    alerting: {
      windowMs: int('KOSH_ALERT_WINDOW_MINUTES', 5, 1, 1440) * 60_000,
      minPayments: int('KOSH_ALERT_MIN_PAYMENTS', 20, 1, 10_000_000),
      minRequests: int('KOSH_ALERT_MIN_REQUESTS', 100, 1, 10_000_000),
      webhookUrl: ((url) => {
        if (url !== null && !/^https?:\/\/\S+$/.test(url)) {
          problems.push(`KOSH_ALERT_WEBHOOK_URL must be an http(s) URL, got "${url}"`);
        }
        return url;
      })(str('KOSH_ALERT_WEBHOOK_URL')),
    },
    metricsToken: ((token) => {
      if (token !== null && token.length < 16) problems.push('KOSH_METRICS_TOKEN must be at least 16 characters');
      return token;
    })(str('KOSH_METRICS_TOKEN')),
    shutdownTimeoutMs: int('KOSH_SHUTDOWN_TIMEOUT_SECONDS', 30, 1, 3600) * 1000,
    billing: {
      chunkSize: int('KOSH_BILLING_CHUNK_SIZE', 500, 1, 5000),
      concurrency: int('KOSH_BILLING_CONCURRENCY', 16, 1, 256),
      gatewayRatePerSecond:
        str('KOSH_BILLING_GATEWAY_RPS') === null ? null : int('KOSH_BILLING_GATEWAY_RPS', 0, 1, 100_000),
      claimTtlMs: int('KOSH_BILLING_CLAIM_TTL_SECONDS', 600, 1, 86_400) * 1000,
    },
    dunning: dunningConfig(
      {
        days: str('KOSH_DUNNING_SCHEDULE_DAYS'),
        action: str('KOSH_DUNNING_FINAL_ACTION'),
        publicUrl: str('KOSH_PUBLIC_URL'),
        port,
      },
      problems,
    ),
    objectStore,
    s3: loadS3Config(),
    smtpUrl: str('KOSH_SMTP_URL'),
    mailFrom: str('KOSH_MAIL_FROM') ?? 'kosh billing <billing@kosh.invalid>',
    invoicing: invoicingConfig(
      {
        gstin: str('KOSH_SUPPLIER_GSTIN'),
        name: str('KOSH_SUPPLIER_LEGAL_NAME'),
        address: str('KOSH_SUPPLIER_ADDRESS'),
        email: str('KOSH_SUPPLIER_EMAIL'),
        state: str('KOSH_SUPPLIER_STATE'),
      },
      int('KOSH_INVOICE_FINALIZE_DELAY_MINUTES', 60, 0, 10_080),
      int('KOSH_INVOICE_DUE_DAYS', 15, 0, 365),
      problems,
    ),
  };
  if (config.smtpUrl !== null) {
    const problem = smtpUrlProblem(config.smtpUrl);
    // The URL may carry a password: the message names the problem, never the value.
    if (problem !== null) problems.push(`KOSH_SMTP_URL must look like smtp://user:pass@host:port: ${problem}`);
  }
  if (addressOf(config.mailFrom) === null) {
    problems.push(`KOSH_MAIL_FROM must be an address or "Name <address>", got "${config.mailFrom}"`);
  }
  if (!['auto', 'pretty', 'json'].includes(config.logFormat)) {
    problems.push(`LOG_FORMAT must be one of auto, pretty, json, got "${config.logFormat}"`);
  }
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${config.logLevel}"`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
