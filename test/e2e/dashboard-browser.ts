import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium; .ci/run installs it); playwright-core 1.64 drives its major, 156. */
export const CHROMIUM = '/usr/bin/chromium';

/** CI must run the browser test; elsewhere it is skipped only when Chromium is missing. */
export const browserSkip =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `${CHROMIUM} is missing (apt-get install -y chromium)`
    : undefined;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A raw request, so that Host and Origin can be set as an attacker's page or DNS name would. */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The text of a resource row's pid cell. */
export async function pidOf(page: Page, name: string): Promise<string> {
  return (await page.locator(`tr[data-resource="${name}"] td.pid`).innerText()).trim();
}
