// Debian's chromium, headless, driven by the playwright-core installed in tests/ui (one copy of the
// browser driver for every browser test). Launch is bounded so a broken browser fails the test.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const { chromium } = createRequire(fileURLToPath(new URL("../ui/package.json", import.meta.url)))("playwright-core");

export function launchChromium() {
  return chromium.launch({
    timeout: 30_000,
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
