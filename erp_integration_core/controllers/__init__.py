from . import dispatch, webhook
