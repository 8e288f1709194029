from . import database, webhook
