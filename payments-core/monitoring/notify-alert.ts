import type { Log } from '../../platform/log.js';
import type { AlertSeverity } from './types.js';

export interface AlertNotice {
  readonly kind: 'opened' | 'escalated' | 'resolved';
  readonly alertId: string;
  readonly rule: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly at: Date;
}

const NOTIFY_TIMEOUT_MS = 5000;

/** The Slack incoming-webhook body (`text` is the fallback, `blocks` the formatted message). */
export function slackMessage(notice: AlertNotice): { text: string; blocks: unknown[] } {
  const head =
    notice.kind === 'resolved'
      ? `:white_check_mark: RESOLVED ${notice.rule} (was ${notice.severity})`
      : `${notice.severity === 'critical' ? ':rotating_light:' : ':warning:'} ${notice.severity.toUpperCase()} ${notice.rule}${notice.kind === 'escalated' ? ' (escalated)' : ''}`;
  const text = `[kosh] ${head}: ${notice.summary}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*[kosh] ${head}*\n${notice.summary}` } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `alert \`${notice.alertId}\` · ${notice.at.toISOString()}` }],
      },
    ],
  };
}

/**
 * Posts one alert change to a Slack-compatible webhook. Never throws: a failed post is logged and the alert
 * stays recorded (listed at GET /v1/alerts); the next change is posted again.
 */
export async function notifyAlert(deps: { log: Log }, url: string, notice: AlertNotice): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slackMessage(notice)),
      signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
    });
    if (!res.ok) {
      deps.log.warn({ alert_id: notice.alertId, status: res.status }, 'alert webhook refused the post');
      return false;
    }
    return true;
  } catch (err) {
    deps.log.warn(
      { alert_id: notice.alertId, err: err instanceof Error ? err.message : String(err) },
      'alert webhook post failed',
    );
    return false;
  }
}
