import { expect, test, type Page } from "@playwright/test";
import { ACCOUNTS, LIVE_UPDATES } from "../src/features";
import { E2E_PASSWORD, E2E_USERNAME } from "./user.js";

async function logIn(page: Page): Promise<void> {
  await page.goto("/");
  if (!ACCOUNTS) return;
  await page.getByLabel("Username").fill(E2E_USERNAME);
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
}

async function addItem(page: Page, name: string, price: string): Promise<void> {
  const form = page.getByRole("form", { name: "New item" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Description").fill("Made by the end-to-end tests");
  await form.getByLabel("Price").fill(price);
  await form.getByRole("button", { name: "Add item" }).click();
}

test("add an item, see it listed, edit it and delete it", async ({ page }) => {
  await logIn(page);
  const name = `Lamp ${Date.now()}`;
  await addItem(page, name, "19.9");

  const item = page.getByRole("listitem", { name });
  await expect(item).toContainText("19.90");
  await expect(item).toContainText("In stock");

  await item.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("form", { name: `Edit ${name}` });
  await edit.getByLabel("Price").fill("25");
  await edit.getByLabel("In stock").uncheck();
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(item).toContainText("25.00");
  await expect(item).toContainText("Out of stock");

  await item.getByRole("button", { name: "Delete" }).click();
  await expect(item).toHaveCount(0);
});

test("the backend's validation errors appear next to their fields", async ({ page }) => {
  await logIn(page);
  await addItem(page, "Bad price", "not a price");
  const price = page.getByRole("form", { name: "New item" }).getByLabel("Price");
  await expect(price).toHaveAttribute("aria-invalid", "true");
  await expect(price).toHaveAccessibleDescription(/\S/);
  await expect(page.getByRole("listitem", { name: "Bad price" })).toHaveCount(0);
});

test("the app is served from the backend's origin, next to the API", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Items" })).toBeVisible();
  const health = await page.request.get("/api/health");
  expect(await health.json()).toMatchObject({ status: "ok" });
});

if (ACCOUNTS) {
  test("a token the backend refuses sends the user back to log in", async ({ page }) => {
    await page.addInitScript(() => {
      const stale = { token: "expired.or.revoked", expiresAt: Date.now() + 60_000 };
      localStorage.setItem("token", JSON.stringify(stale));
    });
    await page.goto("/");
    await expect(page.getByText("Your session has expired. Log in again.")).toBeVisible();
    await expect(page.getByRole("button", { name: "Log in" })).toBeVisible();
  });
}

if (LIVE_UPDATES) {
  test("a second page sees a change as it happens", async ({ page, browser }) => {
    const watcher = await browser.newPage();
    const socket = watcher.waitForEvent("websocket");
    await watcher.goto("/");
    await socket;
    const pages = watcher.getByRole("navigation", { name: "Pages" });
    await expect(pages).toContainText(/of \d+|0 items/);
    const total = Number(/of (\d+)/.exec((await pages.textContent()) ?? "")?.[1] ?? 0);
    // Give the watcher's websocket a moment to open before the change is made.
    await watcher.waitForTimeout(500);

    await logIn(page);
    await addItem(page, `Live ${Date.now()}`, "5");

    // No reload, no click: the watcher's list follows the backend's event.
    await expect(pages).toContainText(`of ${total + 1}`);
    await watcher.close();
  });
}
