"""The API's routers, one per resource; `app.ROUTERS` lists them."""
