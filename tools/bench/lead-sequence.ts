/**
 * The leads the bench sends: realistic landing-page bodies, each with its own Idempotency-Key,
 * e-mail and phone (so that every lead becomes its own contact), and the same n-th lead for every
 * target, so that the platform and the baseline store exactly the same bytes.
 */

export interface LeadRequest {
  idempotencyKey: string;
  body: string;
}

interface Market {
  country: string;
  lang: string;
  /** Country code and mobile prefix; the sequence number fills the remaining digits. */
  phonePrefix: string;
  phoneDigits: number;
}

const MARKETS: readonly Market[] = [
  { country: 'DE', lang: 'de', phonePrefix: '+49151', phoneDigits: 8 },
  { country: 'FR', lang: 'fr', phonePrefix: '+336', phoneDigits: 8 },
  { country: 'ES', lang: 'es', phonePrefix: '+346', phoneDigits: 8 },
  { country: 'IT', lang: 'it', phonePrefix: '+39345', phoneDigits: 7 },
  { country: 'PL', lang: 'pl', phonePrefix: '+48512', phoneDigits: 6 },
];
const FIRST_NAMES = ['Anna', 'Lukas', 'Marie', 'Jonas', 'Sofia', 'Mateo', 'Chiara', 'Piotr', 'Camille', 'Elena'];
const LAST_NAMES = ['Müller', 'Dubois', 'García', 'Rossi', 'Kowalski', 'Schmidt', 'Martin', 'López', 'Bianchi', 'Nowak'];
const OFFERS = ['crypto-pro', 'fx-start', 'gold-plan'];

/** The n-th lead of a run; `runId` keeps keys and e-mails apart from other runs' data. */
export function leadRequest(runId: string, n: number): LeadRequest {
  const market = MARKETS[n % MARKETS.length];
  // Markets take turns, so n / markets numbers the leads within one market: phones stay unique.
  const phoneNumber = Math.floor(n / MARKETS.length) % 10 ** market.phoneDigits;
  const firstName = FIRST_NAMES[n % FIRST_NAMES.length];
  const lastName = LAST_NAMES[Math.floor(n / FIRST_NAMES.length) % LAST_NAMES.length];
  const body = {
    firstName,
    lastName,
    email: `${firstName.toLowerCase()}.${n}.${runId}@bench.example.com`,
    phone: `${market.phonePrefix}${String(phoneNumber).padStart(market.phoneDigits, '0')}`,
    country: market.country,
    lang: market.lang,
    offer: OFFERS[n % OFFERS.length],
    click_id: `clk-${runId}-${n}`,
    ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    domain: 'landing.example.com',
    sourcetype: 'landing',
    creo: `creo-${n % 7}`,
    marker: 'bench',
    description: 'Interested in a call back in the afternoon',
  };
  return { idempotencyKey: `bench-${runId}-${n}`, body: JSON.stringify(body) };
}

/** Hands out the leads of a run in order: one sequence per target, so both get the same leads. */
export class LeadSequence {
  private next = 0;

  constructor(private readonly runId: string) {}

  take(): LeadRequest {
    const request = leadRequest(this.runId, this.next);
    this.next += 1;
    return request;
  }

  /** How many leads were handed out (some may never have been sent when the load stopped). */
  get taken(): number {
    return this.next;
  }
}
