"""Socket.IO entry points, beside the blueprints and just as thin: the handshake and the
handler frame (connection), and the events of each feature. Handlers register on import."""
