import type { RazorpaySimulator } from '../../payments-core/gateway/simulator/server.js';

/** The test key pair every harness, child process and benchmark gives the simulator. */
export const KEY_ID = 'rzp_test_kosh0000000001';
export const KEY_SECRET = 'test_key_secret_0000000001';
export const SUCCESS_CARD = '4111111111111111';
export const SIM_AUTH = `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`;

/** A Razorpay customer made at the simulator directly (for seeded fixtures that share one). */
export async function simCustomer(
  sim: RazorpaySimulator,
  name = 'Seeded parents',
  email = 'seeded@example.in',
): Promise<string> {
  const res = await fetch(`${sim.url}/v1/customers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: SIM_AUTH },
    body: JSON.stringify({ name, email, contact: '+919800000000', fail_existing: '0' }),
  });
  return ((await res.json()) as { id: string }).id;
}

export interface SimCardToken {
  readonly id: string;
  readonly card: { network: string; last4: string; expiry_month: number | string; expiry_year: number | string };
}

/**
 * A test card tokenised at the simulator for a Razorpay customer, as the hosted checkout's `save: 1` would: kosh
 * only ever sees the token.
 */
export async function simCardToken(
  sim: RazorpaySimulator,
  gatewayCustomerId: string,
  card = SUCCESS_CARD,
  { expiry = { month: 12, year: 2030 }, name = 'Asha' } = {},
): Promise<SimCardToken> {
  const res = await fetch(`${sim.url}/v1/sim/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: SIM_AUTH },
    body: JSON.stringify({
      customer_id: gatewayCustomerId,
      number: card,
      expiry_month: expiry.month,
      expiry_year: expiry.year,
      cvv: '123',
      name,
    }),
  });
  return (await res.json()) as SimCardToken;
}
