import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ItemForm } from "./ItemForm";

afterEach(cleanup);

describe("ItemForm", () => {
  it("labels every field and sends what was typed", async () => {
    const onSubmit = vi.fn().mockResolvedValue(null);
    render(<ItemForm title="New item" submitLabel="Add item" onSubmit={onSubmit} />);
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Lamp" } });
    fireEvent.change(screen.getByLabelText("Description"), { target: { value: "Bright" } });
    fireEvent.change(screen.getByLabelText("Price"), { target: { value: "19.90" } });
    fireEvent.click(screen.getByLabelText("In stock"));
    fireEvent.click(screen.getByRole("button", { name: "Add item" }));
    expect(onSubmit).toHaveBeenCalledWith({
      name: "Lamp",
      description: "Bright",
      price: "19.90",
      in_stock: false,
    });
    // Saved: the form is empty again, ready for the next item.
    expect(await screen.findByLabelText("Name")).toHaveProperty("value", "");
  });

  it("shows each error next to its field, and a general one for the form", async () => {
    const onSubmit = vi.fn().mockResolvedValue({
      fields: { price: "Not a valid decimal." },
      message: "Something else went wrong.",
    });
    render(<ItemForm title="New item" submitLabel="Add item" onSubmit={onSubmit} />);
    fireEvent.click(screen.getByRole("button", { name: "Add item" }));
    const price = screen.getByLabelText("Price");
    expect(await screen.findByText("Not a valid decimal.")).toBeTruthy();
    expect(price.getAttribute("aria-invalid")).toBe("true");
    const described = document.getElementById(price.getAttribute("aria-describedby") ?? "");
    expect(described?.textContent).toBe("Not a valid decimal.");
    expect(screen.getByLabelText("Name").getAttribute("aria-invalid")).toBeNull();
    expect(screen.getByRole("alert").textContent).toBe("Something else went wrong.");
  });
});
