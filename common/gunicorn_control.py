

def when_ready(server: Any) -> None:
    """Name this master's control socket (`gunicornc -s`) after the port it serves.

    gunicorn puts every master's at one path by default ($XDG_RUNTIME_DIR/gunicorn.ctl), so
    of two on one host (the hybrid's split mode) the second took it over from the first.
    Now each has its own beside it, `gunicorn-8000.ctl`, unless --control-socket names one;
    gunicorn opens it once its sockets listen and its workers have started.
    """
    setting = server.cfg.settings["control_socket"]
    address = server.LISTENERS[0].sock.getsockname() if server.LISTENERS else None
    if setting.value == setting.default and isinstance(address, tuple):
        folder = os.path.dirname(setting.default)
        server.cfg.set("control_socket", os.path.join(folder, f"gunicorn-{address[1]}.ctl"))