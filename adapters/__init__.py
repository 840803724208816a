"""Everything that speaks to the outside: registries (SOAP, REST) and the broker (``amqp``).

Entry points for the composition root: ``adapters.registry.build_registry`` (one client per
registry, built once at start-up), ``adapters.policy.RegistryPolicy`` and the error tree in
``adapters.errors``. Importing this package does nothing: no connections, no contract loading.
"""
