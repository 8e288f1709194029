from . import connector, models, wizards
