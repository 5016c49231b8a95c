import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); playwright-core downloads no browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/**
 * A person at their own browser (a context: own cookies). Records every URL the pages request, so a
 * test can check that nothing comes from another origin, and every page error.
 */
export class Person {
  readonly requested: string[] = [];
  readonly pageErrors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('request', (request) => this.requested.push(request.url()));
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
  }

  static async open(browser: Browser, baseURL: string): Promise<Person> {
    const context = await browser.newContext({ baseURL, viewport: DESKTOP });
    context.setDefaultTimeout(20_000);
    return new Person(context, await context.newPage());
  }

  /** The URLs requested from anywhere but `origin` (data: URLs are in-page). */
  foreignRequests(origin: string): string[] {
    return this.requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'));
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

/**
 * Screenshots of a page at desktop and phone width, into a temporary directory, and also into
 * docs/screenshots when UPDATE_SCREENSHOTS=1. At phone width it also measures horizontal overflow.
 */
export class Screenshots {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-screens-'));
  readonly docsDir = path.resolve(__dirname, '../../docs/screenshots');
  readonly update = process.env.UPDATE_SCREENSHOTS === '1';
  readonly taken: string[] = [];
  /** Pages that scrolled sideways at phone width: `name: scrollWidth`. */
  readonly overflowing: string[] = [];

  async take(page: Page, name: string): Promise<void> {
    for (const [size, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      await page.setViewportSize(viewport);
      // Let layout settle at the new width (and the countdown re-render) before measuring.
      // (Strings: this project's TypeScript has no DOM library; they run in the page.)
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      if (size === 'phone') {
        const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
        if (scrollWidth > viewport.width) this.overflowing.push(`${name}: ${scrollWidth}px`);
      }
      const file = path.join(this.dir, `${name}-${size}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      this.taken.push(file);
      if (this.update) {
        fs.mkdirSync(this.docsDir, { recursive: true });
        fs.copyFileSync(file, path.join(this.docsDir, path.basename(file)));
      }
    }
    await page.setViewportSize(DESKTOP);
  }
}

// Within every password rule the auth service has had (4-20, then 8-128 and not a common one).
export const PASSWORD = 'Tk7-horse-battery';

/** Signs up through the header's "Sign up" link and the form; waits for the email in the header. */
export async function signUp(page: Page, email: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign up', exact: true }).click();
  await fillSignUp(page, email);
}

export async function fillSignUp(page: Page, email: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up', exact: true }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByText(email).waitFor();
}

/**
 * Purchase on a ticket's page, until orders knows the ticket (its ticket:created may still be on its
 * way: the API answers 404 and the page shows it); returns the order id from the order page's URL.
 */
export async function purchase(page: Page): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await page.getByRole('button', { name: 'Purchase', exact: true }).click();
    try {
      await page.waitForURL(/\/orders\/[0-9a-f]{24}$/, { timeout: 2_000 });
      return page.url().split('/').pop() as string;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}
