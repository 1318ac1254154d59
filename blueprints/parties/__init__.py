"""Watch-party pages: the listing, creating, invite links, and the party page itself.

Every form is a plain POST that comes back to a page (Post/Redirect/Get), so the pages work
without JavaScript. With htmx the participant and queue forms answer with their panel to
swap in place. The party page's own script (static/js/party/) keeps the player in time with
the party over Socket.IO, or over Server-Sent Events from the page's `stream_cursor` when
sockets are refused, and sends chat and reactions the same way; the forms here are its
fallback. Every rule lives in the party services: these views read a form, call one service
and show the outcome.
"""

from blueprints.parties import cards, hosting, joining, page, playlists
from blueprints.parties.base import bp

__all__ = ["bp", "cards", "hosting", "joining", "page", "playlists"]
