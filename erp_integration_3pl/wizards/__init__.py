from . import integration_setup_wizard
