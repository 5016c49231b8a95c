// The web client in a real browser (Debian's Chromium through playwright-core) against the real local
// stack (`npm start`'s gateway serving client/dist and the API): two people, one sells, one buys and
// pays; an order left to expire. Screenshots of the main pages at desktop and phone width go to a
// temporary directory, and to docs/screenshots with UPDATE_SCREENSHOTS=1. `npm test` builds the client.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { eventually } from '@ticketing/testkit';
import { ApiClient, type Ticket } from './support/api-client';
import { fillSignUp, launchChromium, Person, purchase, Screenshots, signUp } from './support/browser';
import { startSystemStack, type SystemStack } from './support/system-stack';

const CLIENT_BUILD = path.resolve(__dirname, '../client/dist/index.html');
const email = (who: string): string => `${who}-${crypto.randomBytes(4).toString('hex')}@example.com`;
const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });

let browser: Browser;
const screens = new Screenshots();

beforeAll(async () => {
  if (!fs.existsSync(CLIENT_BUILD)) throw new Error(`the client is not built (${CLIENT_BUILD}): run npm run build -w client`);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (screens.taken.length > 0) console.log(`web client screenshots: ${screens.dir}${screens.update ? ' (and docs/screenshots)' : ''}`);
});

describe('web client: buying a ticket in a browser', () => {
  let system: SystemStack;
  let seller: Person;
  let buyer: Person;
  const title = 'Jazz night at the Blue Room';

  beforeAll(async () => {
    system = await startSystemStack();
    seller = await Person.open(browser, system.stack.url);
    buyer = await Person.open(browser, system.stack.url);
  }, 90_000);

  afterAll(async () => {
    await seller?.close();
    await buyer?.close();
    await system?.stop();
  }, 60_000);

  it(
    'web client: one person signs up and sells a ticket; validation errors appear next to their field',
    () =>
      system.log.around(async () => {
        const { page } = seller;
        await page.goto('/');
        await page.getByRole('heading', { level: 1, name: 'Tickets for sale' }).waitFor();
        await page.getByText('No tickets for sale right now.').waitFor();
        await screens.take(page, 'landing-empty');

        const sellerEmail = email('seller');
        await signUp(page, sellerEmail);
        await nav(page).getByRole('link', { name: 'Sell a ticket' }).click();
        await page.getByRole('heading', { level: 1, name: 'Sell a ticket' }).waitFor();
        await page.getByLabel('Price').fill('0');
        await page.getByRole('button', { name: 'Sell', exact: true }).click();
        const priceError = page.locator('.field', { has: page.getByLabel('Price') }).locator('.field-error');
        await priceError.waitFor();
        expect(await page.getByLabel('Title').getAttribute('aria-invalid')).toBe('true');
        await screens.take(page, 'sell-validation');

        await page.getByLabel('Title').fill(title);
        await page.getByLabel('Price').fill('25');
        await page.getByRole('button', { name: 'Sell', exact: true }).click();
        await page.getByRole('heading', { level: 1, name: title }).waitFor();
        await page.getByRole('heading', { level: 2, name: 'Edit your ticket' }).waitFor();
        expect(await page.getByRole('button', { name: 'Purchase' }).count()).toBe(0);
        await screens.take(page, 'ticket-owner');
      }),
    120_000,
  );

  it(
    'web client: another person buys it; a declined card shows the error and the order stays payable; Visa pays it and My orders shows complete; sign out',
    () =>
      system.log.around(async () => {
        const { page } = buyer;
        await page.goto('/');
        await page.getByRole('link', { name: title }).waitFor();
        await page.getByText('$25.00').waitFor();
        await screens.take(page, 'landing');
        await page.getByRole('link', { name: title }).click();
        await page.getByRole('heading', { level: 1, name: title }).waitFor();
        await screens.take(page, 'ticket');

        // Not signed in: the API's 401 sends the buyer to sign in; they create an account and come back.
        await page.getByRole('button', { name: 'Purchase', exact: true }).click();
        await page.getByRole('heading', { level: 1, name: 'Sign in to Ticketing' }).waitFor();
        await screens.take(page, 'signin');
        await page.getByRole('link', { name: 'New here? Create an account' }).click();
        await fillSignUp(page, email('buyer'));
        await page.getByRole('heading', { level: 1, name: title }).waitFor();

        const orderId = await purchase(page);
        await page.getByRole('heading', { level: 1, name: 'Your order' }).waitFor();
        await page
          .getByRole('timer')
          .filter({ hasText: /\d+:\d\d left/ })
          .waitFor();
        await screens.take(page, 'order');

        await page.getByLabel('Card').selectOption({ label: 'Visa (declined)' });
        await page.getByRole('button', { name: 'Pay', exact: true }).click();
        await page.getByRole('alert').filter({ hasText: 'Your card was declined.' }).waitFor();
        expect(await page.getByRole('button', { name: 'Pay', exact: true }).isEnabled()).toBe(true);
        await screens.take(page, 'order-declined');

        await page.getByLabel('Card').selectOption({ label: 'Visa' });
        await page.getByRole('button', { name: 'Pay', exact: true }).click();
        await page.getByText(/this order is complete/).waitFor({ timeout: 30_000 });
        await screens.take(page, 'order-complete');

        await nav(page).getByRole('link', { name: 'My orders' }).click();
        await page.getByRole('heading', { level: 1, name: 'My orders' }).waitFor();
        const row = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: title }) });
        await row.filter({ hasText: 'complete' }).waitFor();
        expect(await row.getByRole('link', { name: title }).getAttribute('href')).toBe(`/orders/${orderId}`);
        await screens.take(page, 'my-orders');

        // Sold: it is no longer for sale.
        await seller.page.goto('/');
        await seller.page.getByText('No tickets for sale right now.').waitFor();

        await nav(page).getByRole('button', { name: 'Sign out' }).click();
        await nav(page).getByRole('link', { name: 'Sign in', exact: true }).waitFor();
        await page.goto('/orders');
        await page.getByRole('heading', { level: 1, name: 'Sign in to Ticketing' }).waitFor();

        for (const person of [seller, buyer]) {
          expect(person.foreignRequests(system.stack.url)).toEqual([]);
          expect(person.pageErrors).toEqual([]);
        }
        expect(screens.overflowing).toEqual([]);
      }),
    180_000,
  );
});

describe('web client: an order left to expire', () => {
  let system: SystemStack;
  let buyer: Person;

  beforeAll(async () => {
    system = await startSystemStack({ env: { EXPIRATION_WINDOW_SECONDS: '8' } });
    buyer = await Person.open(browser, system.stack.url);
  }, 90_000);

  afterAll(async () => {
    await buyer?.close();
    await system?.stop();
  }, 60_000);

  it(
    'web client: the order page counts down, then shows the order expired, and My orders shows it cancelled',
    () =>
      system.log.around(async () => {
        const seller = new ApiClient(system.stack.url);
        await seller.signup();
        const created = await seller.request<Ticket>('POST', '/api/tickets', { title: 'Matinee', price: 15 });
        expect(created.status).toBe(201);

        const { page } = buyer;
        await page.goto('/');
        await signUp(page, email('late'));
        await page.getByRole('link', { name: 'Matinee' }).click();
        await purchase(page);
        await page
          .getByRole('timer')
          .filter({ hasText: /0:0\d left/ })
          .waitFor();

        await page.getByText('This order has expired: the ticket was released.').waitFor({ timeout: 20_000 });
        expect(await page.getByRole('button', { name: 'Pay' }).count()).toBe(0);
        await screens.take(page, 'order-expired');

        await eventually(
          async () => {
            await page.goto('/orders');
            const row = page.getByRole('listitem').filter({ hasText: 'Matinee' });
            await row.waitFor();
            return (await row.textContent())?.includes('cancelled') ? true : undefined;
          },
          'the expired order to show cancelled',
          20_000,
          1_000,
        );
        expect(buyer.pageErrors).toEqual([]);
      }),
    120_000,
  );
});
