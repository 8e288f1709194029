from . import connector, models
