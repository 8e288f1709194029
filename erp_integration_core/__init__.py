from . import connector, controllers, models, wizards
