"""The event machinery, below the services: the event contract, the bus, the durable log
and its ordering, cursors, fan-out to the connections, presence."""
