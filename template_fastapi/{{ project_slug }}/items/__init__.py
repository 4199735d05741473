"""Items: the catalogue the API, the pages and the admin share."""
