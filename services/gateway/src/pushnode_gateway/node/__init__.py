"""The node's console: status, the demo send and the probes behind them."""
