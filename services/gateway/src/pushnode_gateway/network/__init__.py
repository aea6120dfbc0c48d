"""The gateway's face to other nodes: records, frontier, peers, state hash, evidence."""
