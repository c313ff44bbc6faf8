"""The live event-stream views: one builder for the screen's and every staff page's stream."""

from asgiref.sync import sync_to_async
from django.db import connection
from django.views.decorators.http import require_GET

from civicgrid.web import live
from civicgrid.web.access import role_required


def change_stream_view(*roles):
    """Return an async view streaming ``change`` events to users of ``roles`` (any staff if none).

    Async so that under ASGI an open page holds no server thread; the role
    check is the same as the sync views' (it reads the session in a thread).
    The events carry no case data: a page refetches through its own views.
    """

    @role_required(*roles)
    def may_listen(request):
        return None  # the decorator redirects or refuses anyone else

    def check(request):
        try:
            return may_listen(request)
        finally:
            if live.is_asgi(request):
                # An async stream lasts minutes: it must not keep this request's connection.
                connection.close()

    @require_GET
    async def events(request):
        denied = await sync_to_async(check)(request)
        if denied is not None:
            return denied
        since = request.headers.get("Last-Event-ID")
        if live.is_asgi(request):
            return live.stream_response(live.async_change_events(since))
        return live.event_stream_response(since)

    return events
