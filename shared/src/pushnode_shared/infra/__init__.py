"""Plumbing every service runs on: the envelope transport, Kafka, the offset-tracking
consumer, the database, dead letters, the service runtime, logging, metrics, settings."""
