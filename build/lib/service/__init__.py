"""The HTTP service: Starlette app, settings, and the `orggraph` command line."""
