from . import vat_return
