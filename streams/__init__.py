"""The event stream over HTTP: Server-Sent Events, long-polling and HTML fragments."""
