import { describe, expect, it } from "vitest";
import { describeError } from "./errors";

const FIELDS = ["name", "description", "price", "in_stock"];

describe("describeError", () => {
  it("puts each validation error next to the field it names", () => {
    const body = {
      detail: [
        { loc: ["body", "price"], msg: "Ensure this value is less than 100000000.", type: "x" },
        { loc: ["body", "name"], msg: "Field required", type: "missing" },
        { loc: ["body", "name"], msg: "A second problem", type: "x" },
      ],
    };
    expect(describeError(422, body, FIELDS)).toEqual({
      fields: { price: "Ensure this value is less than 100000000.", name: "Field required" },
      message: null,
    });
  });

  it("keeps problems that name no field for the whole form", () => {
    const body = { detail: [{ loc: ["body"], msg: "Invalid JSON", type: "json_invalid" }] };
    expect(describeError(422, body, FIELDS)).toEqual({ fields: {}, message: "Invalid JSON" });
  });

  it.each([
    [401, "Log in to do that."],
    [403, "You can only change your own items."],
    [404, "That item no longer exists."],
    [429, "Too many attempts. Try again later."],
  ])("explains HTTP %i", (status, message) => {
    expect(describeError(status, { detail: "whatever" }, FIELDS)).toEqual({ fields: {}, message });
  });

  it("falls back to the backend's detail, then to the status", () => {
    expect(describeError(400, { detail: "Malformed JSON" }).message).toBe("Malformed JSON");
    expect(describeError(500, "<html>").message).toBe("The request failed (HTTP 500).");
  });
});
