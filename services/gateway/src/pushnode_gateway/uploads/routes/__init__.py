"""The IPFS routes: upload a channel's metadata, read a stored object."""
