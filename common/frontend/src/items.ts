// An item as the forms edit it.

export interface ItemValues {
  name: string;
  description: string;
  price: string;
  in_stock: boolean;
}

/** The fields a validation error (422) can name, as the API spells them. */
export const ITEM_FIELDS = ["name", "description", "price", "in_stock"] as const;
