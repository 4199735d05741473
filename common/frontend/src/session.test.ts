import { beforeEach, describe, expect, it } from "vitest";
import { clearSession, loadSession, saveSession } from "./session";

describe("session", () => {
  beforeEach(() => localStorage.clear());

  it("keeps a token until it expires", () => {
    saveSession({ token: "t", expiresAt: 2_000 });
    expect(loadSession(1_000)).toEqual({ token: "t", expiresAt: 2_000 });
    expect(loadSession(2_000)).toBeNull();
    expect(localStorage.getItem("token")).toBeNull();
  });

  it("forgets a token on logout and ignores a corrupt entry", () => {
    saveSession({ token: "t", expiresAt: Date.now() + 60_000 });
    clearSession();
    expect(loadSession()).toBeNull();
    localStorage.setItem("token", "{not json");
    expect(loadSession()).toBeNull();
  });
});
