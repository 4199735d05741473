"""Items: the example domain, from model to API."""
