"""The Push protocol: wire events, payloads, addresses, signatures, opt-ins, chains,
topics, chat ids and subscription periods: what every service must agree on."""
