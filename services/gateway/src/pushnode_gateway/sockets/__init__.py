"""socket.io: the server, its rooms, and the live feed that pushes to them."""
