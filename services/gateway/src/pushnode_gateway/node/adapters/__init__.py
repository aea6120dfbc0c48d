"""The node probes: services' /readyz and the Kafka log."""
