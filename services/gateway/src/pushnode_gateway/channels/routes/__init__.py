"""The channel routes: details, lists, search, history, opt-ins, a wallet's channels."""
