"""Serve event streams on the event loop and everything else through a thread pool.

Django's ASGI handler gives every request a thread of its own and hops
between it and the event loop several times; for the platform's many small
requests (locate, lists, forms) that cost half the throughput of the threaded
WSGI server. So ``civicgrid serve`` runs one ASGI server whose ordinary
requests go to Django's WSGI handler on a fixed pool of threads (a2wsgi),
while requests that ask for ``text/event-stream`` (the command screen's
``EventSource``) go to Django's ASGI handler, where the stream waits on the
event loop and holds no thread. An async view reached through the WSGI side
still works (Django runs it to completion), so the split is a matter of
speed, never of correctness.
"""

EVENT_STREAM = b"text/event-stream"


def wants_event_stream(scope) -> bool:
    """Return whether an HTTP request asks for server-sent events."""
    for name, value in scope.get("headers", ()):
        if name == b"accept" and EVENT_STREAM in value:
            return True
    return False


def split_application(asgi_app, wsgi_app, threads: int):
    """Return an ASGI app sending event streams to ``asgi_app``, the rest to ``wsgi_app``."""
    from a2wsgi import WSGIMiddleware

    pooled = WSGIMiddleware(wsgi_app, workers=threads)

    async def application(scope, receive, send):
        if scope["type"] == "http" and not wants_event_stream(scope):
            return await pooled(scope, receive, send)
        return await asgi_app(scope, receive, send)

    return application
