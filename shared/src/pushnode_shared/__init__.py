"""pushnode shared library: envelope, events, topics, Kafka bus, projections."""
