import type { Clock } from '../../platform/clock.js';
import type { Sql } from '../../platform/db.js';
import { etagOf } from '../../platform/etag.js';
import { DECLINE_CODES } from '../retries/declines.js';
import { type DunningLink, liveLink } from './dunning-link.js';
import { LIVE_METHODS_OF_CUSTOMER } from './repository.js';
import { rupees } from './send-dunning-email.js';

interface MethodRow {
  id: string;
  type: string;
  card_network: string | null;
  card_last4: string | null;
  card_exp_month: number | null;
  card_exp_year: number | null;
  upi_vpa_masked: string | null;
  bank: string | null;
  wallet: string | null;
  is_default: boolean;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function describe(m: MethodRow): string {
  if (m.type === 'card') {
    const expiry =
      m.card_exp_month === null ? '' : `, expires ${String(m.card_exp_month).padStart(2, '0')}/${m.card_exp_year}`;
    return `${m.card_network ?? 'Card'} ending ${m.card_last4 ?? '????'}${expiry}`;
  }
  if (m.type === 'upi') return `UPI ${m.upi_vpa_masked ?? ''}`;
  if (m.type === 'netbanking') return `Bank account at ${m.bank ?? 'your bank'}`;
  return `${m.wallet ?? 'Wallet'} wallet`;
}

/**
 * The public page behind a dunning email's link: what failed, and the parent's saved methods to choose from
 * (display data only: network and last four digits, masked UPI id), and the renewal's on-session payment link when
 * it has one (a new card or UPI ID can be used there). Minimal, self-contained HTML (no scripts
 * from elsewhere); the form posts JSON `{payment_method_id}` back to the same address.
 */
export async function getUpdateMethodPage(
  deps: { db: Sql; clock: Clock },
  token: string,
): Promise<{ html: string; etag: string }> {
  const choice = await updateMethodChoice(deps.db, token, deps.clock.now());
  const { link, methods } = choice;
  const etag = etagOf(choice);
  const reason =
    link.last_decline_code === null
      ? ''
      : `<p>The bank said: ${escapeHtml(DECLINE_CODES[link.last_decline_code]?.meaning ?? link.last_decline_code)}.</p>`;
  const options = methods
    .map(
      (m) =>
        `<li><label><input type="radio" name="payment_method_id" value="${escapeHtml(m.id)}"${m.id === link.payment_method_id ? ' disabled' : ''}> ${escapeHtml(describe(m))}${m.id === link.payment_method_id ? ' (the one that failed)' : ''}</label></li>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Update your payment method</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}li{list-style:none;margin:.5rem 0}button{padding:.5rem 1rem}</style>
</head>
<body>
<h1>Update your payment method</h1>
<p>Dear ${escapeHtml(link.customer_name)}, we could not collect ${escapeHtml(rupees(link.amount, link.currency))} for ${escapeHtml(link.plan_name ?? 'your meal plan')}.</p>
${reason}
${
  link.pay_url === null
    ? ''
    : `<p><a href="${escapeHtml(link.pay_url)}" rel="noopener">Pay ${escapeHtml(rupees(link.amount, link.currency))} now</a> with any card or UPI ID on Razorpay's secure page (your bank may ask you to approve it).</p>
<p>Or choose a saved method below.</p>`
}
<form id="choose" method="post">
<p>Choose one of your saved methods; we will try it right away.</p>
<ul>
${options === '' ? '<li>You have no other saved method. Please add one in the school app, then open this link again.</li>' : options}
</ul>
<button type="submit">Use this method</button>
</form>
<p id="result" role="status"></p>
<script>
document.getElementById('choose').addEventListener('submit', async (e) => {
  e.preventDefault();
  const chosen = new FormData(e.target).get('payment_method_id');
  const res = await fetch(location.pathname, { method: 'POST', headers: { 'content-type': 'application/json', 'if-match': ${JSON.stringify(etag)} }, body: JSON.stringify({ payment_method_id: chosen }) });
  const body = await res.json();
  document.getElementById('result').textContent = res.ok ? 'Thank you: we will charge this method shortly.' : (body.detail || 'That did not work.');
});
</script>
</body>
</html>
`;
  return { html, etag };
}

/**
 * What the update-method page shows, read together: the live link (the case, its amount and decline, the
 * subscription's method, the pay link) and the customer's saved methods. Its ETag is the page's; the form sends it
 * back as If-Match, so a choice made on a page that no longer shows what stands is refused (412).
 */
export async function updateMethodChoice(
  sql: Sql,
  token: string,
  now: Date,
): Promise<{ link: DunningLink; methods: MethodRow[] }> {
  const link = await liveLink(sql, token, now);
  const methods = await sql.all<MethodRow>(LIVE_METHODS_OF_CUSTOMER, { customer_id: link.customer_id });
  return { link, methods };
}
