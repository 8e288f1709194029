from . import integration_backend, integration_exchange
