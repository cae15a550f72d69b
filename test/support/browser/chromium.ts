/**
 * Debian's Chromium, headless, driven by playwright-core (which never downloads a browser), with
 * a fresh profile per run and flags that work in this container.
 *
 * launchBrowser is the console tests' browser; their screenshots go to test-results/console/
 * (git-ignored).
 *
 * visitWithHome opens one page with the NSS database of a given home directory: Chromium on Linux reads client certificates and
 * locally trusted roots from `$HOME/.pki/nssdb`, so `HOME=<home>` is what decides which
 * certificate this browser holds.
 *
 * No dialog: Chromium picks a client certificate on its own only for URLs its
 * AUTO_SELECT_CERTIFICATE content setting covers. The AutoSelectCertificateForUrls policy
 * (/etc/chromium/policies/managed) is one source of that setting; the profile's own Preferences
 * (`profile.content_settings.exceptions.auto_select_certificate`) are another, read by the same
 * lookup (chrome/browser/ssl AutoSelectCertificate → HostContentSettingsMap). Writing it into a
 * fresh --user-data-dir keeps the test out of /etc. Without it headless Chromium waits on a
 * selection dialog nobody can answer (the page load times out).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.FACET_CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOTS = new URL("../../../test-results/console/", import.meta.url).pathname;

export const LAUNCH_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export async function launchBrowser(): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(path.join(tmpdir(), "facet-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 768 },
    args: LAUNCH_FLAGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export interface PageVisit {
  status: number | null;
  text: string;
  screenshot: string;
}

/** A profile that sends a client certificate to `origin` without asking: the first one NSS offers that the server accepts. */
export function writeAutoSelectPreferences(userDataDir: string, origin: string): void {
  mkdirSync(path.join(userDataDir, "Default"), { recursive: true });
  const exceptions = { [`${origin},*`]: { setting: { filters: [{}] } } };
  writeFileSync(path.join(userDataDir, "Default", "Preferences"), JSON.stringify({ profile: { content_settings: { exceptions: { auto_select_certificate: exceptions } } } }));
}

/**
 * Opens `url` in a new headless Chromium whose NSS database is `<home>/.pki/nssdb`, and returns
 * the status, the page's text and a screenshot. `userDataDir` must be a new, empty directory.
 */
export async function visitWithHome(options: { home: string; userDataDir: string; url: string; screenshot: string; timeoutMs?: number }): Promise<PageVisit> {
  writeAutoSelectPreferences(options.userDataDir, new URL(options.url).origin);
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(options.userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: LAUNCH_FLAGS,
      env: { ...process.env, HOME: options.home },
      timeout: options.timeoutMs ?? 90_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const response = await page.goto(options.url, { timeout: options.timeoutMs ?? 90_000, waitUntil: "load" });
    const text = (await page.textContent("body")) ?? "";
    await page.screenshot({ path: options.screenshot, fullPage: true });
    return { status: response?.status() ?? null, text, screenshot: options.screenshot };
  } finally {
    await context?.close();
  }
}
