"""The listener as the node's ear: its own records, and every peer's, onto node-records."""
