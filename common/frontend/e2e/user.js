// The staff user that scripts/backend.mjs creates for the end-to-end tests.
export const E2E_USERNAME = process.env.E2E_USERNAME ?? "e2e-admin";
export const E2E_PASSWORD = process.env.E2E_PASSWORD ?? "e2e-password-1";
