# The longest name, counted once its surrounding whitespace is trimmed, and stored trimmed.
LONGEST_NAME = "x" * 200
PADDED_LONGEST_NAME = "\t " + LONGEST_NAME + "\n"
# Bodies an item's creation refuses, each with the one field its error names.
INVALID_ITEMS: list[tuple[dict[str, object], str]] = [
    ({"price": "1.00"}, "name"),
    ({"name": "   ", "price": "1.00"}, "name"),
    ({"name": "x" * 201, "price": "1.00"}, "name"),
    ({"name": " " + "x" * 201 + " ", "price": "1.00"}, "name"),
    ({"name": 5, "price": "1.00"}, "name"),
    ({"name": "Lamp"}, "price"),
    ({"name": "Lamp", "price": "-0.01"}, "price"),
    ({"name": "Lamp", "price": "100000000"}, "price"),
    ({"name": "Lamp", "price": "1.001"}, "price"),
    ({"name": "Lamp", "price": 0.001}, "price"),
    ({"name": "Lamp", "price": "abc"}, "price"),
    ({"name": "Lamp", "price": "NaN"}, "price"),
    ({"name": "Lamp", "price": "1e2"}, "price"),
    ({"name": "Lamp", "price": " 1"}, "price"),
    ({"name": "Lamp", "price": True}, "price"),
    ({"name": "Lamp", "price": "1.00", "description": "x" * 2001}, "description"),
    ({"name": "Lamp", "price": "1.00", "in_stock": "maybe"}, "in_stock"),
    ({"name": "Lamp", "price": "1.00", "in_stock": "true"}, "in_stock"),
]
# Query strings the item list refuses, each with the one parameter its error names.
INVALID_PAGES: list[tuple[dict[str, object], str]] = [
    ({"limit": 0}, "limit"),
    ({"limit": 101}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"offset": -1}, "offset"),
    ({"offset": "x"}, "offset"),
    ({"offset": 2**63}, "offset"),
]
