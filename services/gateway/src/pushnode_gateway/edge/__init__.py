"""The public edge: limits and headers every request meets before a route parses it."""
