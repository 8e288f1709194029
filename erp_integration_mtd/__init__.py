from . import connector, controllers, models
