"""``tutor service``: the local service that owns the data, and its clients
(the window and the terminal)."""
