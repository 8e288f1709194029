from . import hmrc
