"""The event stream: one bus, three transports (Socket.IO, SSE, long-polling), presence."""
