import { defineConfig, devices } from "@playwright/test";
import { E2E_PASSWORD, E2E_USERNAME } from "./e2e/user.js";

// End-to-end tests against the real backend (scripts/backend.mjs: the Procfile's release
// and web processes) serving the built app: run `npm run build` first.
const port = process.env.E2E_PORT ?? "8765";

export default defineConfig({
  testDir: "e2e",
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  reporter: process.env.CI ? "line" : "list",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        // A browser of your own (e.g. /usr/bin/chromium), else Playwright's.
        launchOptions: { executablePath: process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE || undefined },
      },
    },
  ],
  webServer: {
    command: "node scripts/backend.mjs",
    url: `http://127.0.0.1:${port}/api/health`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: "pipe",
    env: { E2E_PORT: port, E2E_USERNAME, E2E_PASSWORD },
  },
});
