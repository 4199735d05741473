"""The settings of each integration, one module each, included by `config/settings.py`.

A project holds only the modules of the integrations it has; django-split-settings runs
them in the settings' namespace after the rest, so they add settings and may replace one.
"""
