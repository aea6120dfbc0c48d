"""The validator's pure protocol rules: no I/O, no Kafka, no SQLAlchemy, no adapter imports."""
