import { createRequire } from 'node:module';
import type Chromium from '@sparticuz/chromium' with { 'resolution-mode': 'require' };
import { chromium as playwright, type Browser } from 'playwright-core';
import { getConfig } from '../../lib/config';

/**
 * @sparticuz/chromium lists its ESM typings before its `require` condition, so TypeScript refuses a CommonJS
 * import of it: its CommonJS build (`module.exports = Chromium`) is loaded with `require`, typed by its
 * CommonJS typings.
 */
const chromium = createRequire(__filename)('@sparticuz/chromium') as typeof Chromium;

/**
 * This machine has no internet: the browser must not try to reach Google's update, safe-browsing,
 * translation or metrics services. These switches turn that background traffic off.
 */
const offlineSwitches = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-sync',
  '--disable-breakpad',
  '--disable-client-side-phishing-detection',
  '--disable-domain-reliability',
  '--metrics-recording-only',
  '--no-first-run',
  '--no-pings',
  '--dns-prefetch-disable',
];
const offlineFeatures = ['Translate', 'OptimizationHints', 'MediaRouter', 'AutofillServerCommunication'];

/**
 * @sparticuz/chromium's switches, less --single-process and the ones that weaken the page's security (the tests must see the
 * same-origin rules and the Content-Security-Policy a real browser applies), plus the offline ones; its
 * `--disable-features` list is merged with ours (Chromium keeps only one).
 */
export const browserArgs = (): string[] => {
  // --single-process suits a one-shot serverless call; here it would end the browser with its first page.
  const weakening = new Set([
    '--disable-web-security',
    '--allow-running-insecure-content',
    '--single-process',
  ]);
  const args = chromium.args.filter((arg) => !weakening.has(arg) && !arg.startsWith('--disable-features='));
  const features = chromium.args
    .filter((arg) => arg.startsWith('--disable-features='))
    .flatMap((arg) => arg.slice('--disable-features='.length).split(','));
  return [...args, ...offlineSwitches, `--disable-features=${[...features, ...offlineFeatures].join(',')}`];
};

/**
 * Headless Chromium: the binary inside the @sparticuz/chromium package (it comes with `npm ci`), or the one
 * STATMGR_CHROMIUM names.
 */
export const launchBrowser = async (): Promise<Browser> =>
  playwright.launch({
    executablePath: getConfig().chromiumPath ?? (await chromium.executablePath()),
    args: browserArgs(),
    headless: true,
  });
