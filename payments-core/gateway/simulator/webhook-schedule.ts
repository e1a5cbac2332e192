/**
 * When the simulator tries a failed webhook delivery again, as Razorpay documents it
 * (https://razorpay.com/docs/webhooks/best-practices, "Delivery Attempts and Retries" and "Disable Logic"):
 * - every non-2xx answer is a delivery failure;
 * - a failed delivery is retried "in exponential backoff policy for 24 hours after event creation timestamp";
 * - "if the webhooks continue to fail for 24 hours, the webhook is disabled" until the merchant enables it again.
 *
 * Razorpay does not publish its intervals. The simulator doubles from one minute: retries 1, 2, 4, … 512 minutes
 * after the attempt before (ten retries, the last 17 h 3 min after the event); the next would fall past 24 h.
 * Times are in simulated seconds; the simulator turns them into real milliseconds with its time scale.
 */
export const FIRST_RETRY_SECONDS = 60;
export const RETRY_WINDOW_SECONDS = 24 * 60 * 60;

/** Seconds to wait before retrying after failed attempt `attempt` (1-based), or null once 24 h would be passed. */
export function retryAfterSeconds(attempt: number, secondsSinceEvent: number): number | null {
  const wait = FIRST_RETRY_SECONDS * 2 ** (attempt - 1);
  return secondsSinceEvent + wait > RETRY_WINDOW_SECONDS ? null : wait;
}
