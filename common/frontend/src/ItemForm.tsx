import { useId, useState, type FormEvent } from "react";
import type { Item } from "./client/types.gen";
import type { Problem } from "./errors";
import type { ItemValues } from "./items";

const EMPTY: ItemValues = { name: "", description: "", price: "", in_stock: true };

interface Props {
  /** The form's accessible name, e.g. "New item". */
  title: string;
  submitLabel: string;
  item?: Item;
  /** Save the values; resolve to the problem to show, or null when saved. */
  onSubmit: (values: ItemValues) => Promise<Problem | null>;
  onCancel?: () => void;
}

/** Create or edit an item; each field's error from the backend is shown beside it. */
export function ItemForm({ title, submitLabel, item, onSubmit, onCancel }: Props) {
  const id = useId();
  const [values, setValues] = useState<ItemValues>(
    item
      ? { name: item.name, description: item.description ?? "", price: String(item.price), in_stock: item.in_stock ?? true }
      : EMPTY,
  );
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    const result = await onSubmit(values);
    setBusy(false);
    setProblem(result);
    if (result === null && !item) setValues(EMPTY);
  }

  const field = (name: keyof ItemValues) => ({
    id: `${id}-${name}`,
    name,
    "aria-invalid": problem?.fields[name] ? true : undefined,
    "aria-describedby": problem?.fields[name] ? `${id}-${name}-error` : undefined,
  });
  const error = (name: keyof ItemValues) =>
    problem?.fields[name] ? (
      <p className="field-error" id={`${id}-${name}-error`}>
        {problem.fields[name]}
      </p>
    ) : null;

  return (
    <form aria-label={title} className="item-form" onSubmit={submit}>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          {...field("name")}
          value={values.name}
          onChange={(e) => setValues({ ...values, name: e.target.value })}
        />
        {error("name")}
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description</label>
        <textarea
          {...field("description")}
          value={values.description}
          onChange={(e) => setValues({ ...values, description: e.target.value })}
        />
        {error("description")}
      </div>
      <div className="field">
        <label htmlFor={`${id}-price`}>Price</label>
        <input
          {...field("price")}
          inputMode="decimal"
          value={values.price}
          onChange={(e) => setValues({ ...values, price: e.target.value })}
        />
        {error("price")}
      </div>
      <div className="field checkbox">
        <input
          {...field("in_stock")}
          type="checkbox"
          checked={values.in_stock}
          onChange={(e) => setValues({ ...values, in_stock: e.target.checked })}
        />
        <label htmlFor={`${id}-in_stock`}>In stock</label>
        {error("in_stock")}
      </div>
      {problem?.message ? (
        <p className="form-error" role="alert">
          {problem.message}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
