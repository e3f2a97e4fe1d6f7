"""Adapters: the outside world behind small interfaces, one module per protocol or service
(machine protocols such as MQTT and MTConnect, mail, a job queue). An adapter turns what
it receives into domain types and calls a use case or publishes on the bus; it holds no
business rule. The entry points (`api`, `cli`, consumers) start them."""
