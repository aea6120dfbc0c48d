"""IPFS: channel metadata uploads and reads of stored objects."""
