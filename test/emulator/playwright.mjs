// Playwright's browser driver (no bundled browser: tests launch Debian's
// /usr/bin/chromium), re-exported from the one folder that has npm
// packages installed, so that integration tests can drive a real page.
export { chromium } from 'playwright-core';
