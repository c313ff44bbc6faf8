"""Logging out also forgets what the browser keeps of the user.

The pages' script (``web/logout.js``) clears the service worker's Cache
Storage and the phone app's outbox before the form is sent; the answer adds
``Clear-Site-Data: "storage"`` so a browser without the script (or a tab
that missed it) drops them too, along with the service worker. ``"cache"``
is left out: some browsers stall for seconds on it, and photo responses are
``private, no-cache``, so a cached copy is re-checked on the server anyway.
"""

from django.contrib.auth import views as auth_views

CLEAR_SITE_DATA = '"storage"'


class LogoutView(auth_views.LogoutView):
    """Log out (POST) and ask the browser to clear this site's storage."""

    next_page = "web:home"

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
