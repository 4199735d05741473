

def check_settings(module: str) -> None:
    """Load the settings once, here in the master, before gunicorn starts any worker.

    A configuration they refuse (a weak SECRET_KEY with DEBUG false, a bad DATABASE_URL)
    stops gunicorn with their one line and status 3, not once per worker among gunicorn's
    own lines. The project's modules are then forgotten: each worker loads them afresh, as
    before, and so does a reload (HUP) after a deployment.
    """
    package = module.partition(".")[0]
    importlib.import_module(module)
    for name in [name for name in sys.modules if name.partition(".")[0] == package]:
        del sys.modules[name]
