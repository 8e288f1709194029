"""Turn a Shopify order into an Odoo sale order, or say exactly why not.

Money is never guessed: every tax must be mapped, the mapped tax's rate must
be Shopify's and what Odoo's fiscal position for the buyer would charge, and
the Odoo total must equal Shopify's to the penny, or the exchange waits in the
exception queue with both totals and the lines.
"""

from collections import defaultdict
from decimal import ROUND_CEILING, Decimal

from odoo import fields
from odoo.tools import float_compare

from odoo.addons.erp_integration_core.lib import fix_keys, shape
from odoo.addons.erp_integration_core.lib.amounts import CENT, money
from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored, MappingError, TaxError, ValidationError
from odoo.addons.erp_integration_core.partners import PartnerIdentity, PartnerMatcher
from odoo.addons.erp_integration_core.work import Component

from .field_mappings import CUSTOMER, DEFAULTS
from .lib.order import NO_TAX, external_id, parse_order, percent, set_amount
from .restock import Restock

# The business's clock when its users set none: a UK suite's.
UK_TIME = "Europe/London"
# How many unit prices a discounted line is tried at for Odoo's VAT to round as Shopify's (``_split_price``).
SPLIT_PRICES_TRIED = 100


class OrderImport(Component):
    def __init__(self, work):
        super().__init__(work)
        self.binding = self.env["integration.binding"]
        self._mapped = {}
        self._by_sku = {}
        # (name, product, mapped taxes, Shopify line) of each line, for the fiscal position check.
        self._charged = []
        # The sale order's currency, once known.
        self._currency = self.env["res.currency"]

    # Entry points -------------------------------------------------------------

    def _parse(self, data):
        """The order, its amounts checked against its currency's decimals."""
        code = data.get("currency") if isinstance(data, dict) else None
        currency = self.env["res.currency"].search([("name", "=", code)], limit=1) if isinstance(code, str) else None
        return parse_order(data, decimals=currency.decimal_places if currency else 2)

    def upsert(self, data):
        """orders/create and orders/updated: create the order, or update its status."""
        order = self._parse(data)
        existing = self.binding._find(self.backend, "sale.order", order.external_id)
        if existing:
            return self._update(existing, order)
        return self._create(order)

    def cancel(self, data):
        order = self._parse(data)
        sale = self.binding._find(self.backend, "sale.order", order.external_id)
        if not sale:
            # Cancelled before we ever saw it: nothing to undo, and importing it
            # would only create an order to cancel.
            return {"skipped": "order cancelled before it was imported"}
        if sale.state == "cancel":
            return {"sale_order": sale.id, "skipped": "already cancelled"}
        if sale.invoice_ids.filtered(lambda move: move.state == "posted"):
            raise BusinessError(
                f"Shopify order {order.name} was cancelled, but {sale.name} already has a posted invoice. "
                "Issue a credit note in Odoo, then Ignore this exchange."
            )
        sale._action_cancel()
        self.exchange._link(sale, "updated", ["state"])
        return {"sale_order": sale.id, "cancelled": True}

    def refund(self, data):
        """refunds/create: a credit note reversing the refunded lines and shipping, linked to the invoice."""
        refund_id = shape.opt_text(data, "id") and external_id(data)
        order_id = shape.opt_text(data, "order_id")
        if not refund_id or not order_id:
            raise ValidationError("The payload is not a Shopify refund: it needs an 'id' and an 'order_id'.")
        items = [
            shape.obj(item, f"refund_line_items[{number}]")
            for number, item in enumerate(shape.opt_list(data, "refund_line_items"))
        ]
        shipping_items = [
            shape.obj(item, f"refund_shipping_lines[{number}]")
            for number, item in enumerate(shape.opt_list(data, "refund_shipping_lines"))
        ]
        existing = self.binding._find(self.backend, "account.move", refund_id)
        if existing:
            return {"credit_note": existing.id, "skipped": "refund already applied"}
        sale = self.binding._find(self.backend, "sale.order", order_id)
        if not sale:
            waiting = self.env["integration.exchange"].search(
                [
                    ("backend_id", "=", self.backend.id),
                    ("external_id", "=", order_id),
                    ("state", "in", ("queued", "needs_attention", "failed")),
                ],
                limit=1,
            )
            if waiting:
                raise BusinessError(
                    f"Refund {refund_id} is for Shopify order {order_id}, whose import is still open (exchange "
                    f"{waiting.id}). Resolve that exchange first, then press Retry here."
                )
            raise Ignored(f"Refund {refund_id} is for Shopify order {order_id}, which was never imported into Odoo.")
        invoice = sale.invoice_ids.filtered(lambda move: move.move_type == "out_invoice" and move.state == "posted")[:1]
        if not invoice:
            raise BusinessError(
                f"Refund {refund_id} is for {sale.name}, which has no posted invoice yet. Invoice the order, then "
                "press Retry (the suite never edits a posted invoice and credits only invoiced orders)."
            )
        lines, expected = [], 0
        for number, item in enumerate(items):
            at = f"refund_line_items[{number}]"
            sku = shape.opt_text(shape.opt_obj(item, "line_item", at), "sku", f"{at}.line_item")
            quantity = money(item.get("quantity"), f"{at}.quantity")
            if quantity <= 0 or quantity != quantity.to_integral_value():
                raise ValidationError(
                    f"{at}.quantity is {item.get('quantity')!r}: a refunded quantity is a whole number above zero."
                )
            source = invoice.invoice_line_ids.filtered(lambda line, sku=sku: line.product_id.default_code == sku)[:1]
            if not source:
                raise BusinessError(f"Refund {refund_id} returns SKU '{sku}', which is not on invoice {invoice.name}.")
            lines.append(
                {
                    "product_id": source.product_id.id,
                    "name": source.name,
                    "quantity": float(quantity),
                    "price_unit": source.price_unit,
                    "discount": source.discount,
                    "tax_ids": [(6, 0, source.tax_ids.ids)],
                    "sale_line_ids": [(6, 0, source.sale_line_ids.ids)],
                }
            )
            expected += set_amount(item, "subtotal_set", "subtotal", at=at) + set_amount(
                item, "total_tax_set", "total_tax", at=at
            )
        for number, item in enumerate(shipping_items):
            at = f"refund_shipping_lines[{number}]"
            shipping = invoice.invoice_line_ids.filtered(
                lambda line: line.product_id == self.backend.shopify_shipping_product_id
            )[:1]
            amount = set_amount(item, "subtotal_amount_set", "amount", at=at)
            if not shipping:
                raise BusinessError(f"Refund {refund_id} refunds shipping, but invoice {invoice.name} has none.")
            lines.append(
                {
                    "product_id": shipping.product_id.id,
                    "name": shipping.name,
                    "quantity": 1,
                    "price_unit": float(amount),
                    "tax_ids": [(6, 0, shipping.tax_ids.ids)],
                    "sale_line_ids": [(6, 0, shipping.sale_line_ids.ids)],
                }
            )
            expected += amount + set_amount(item, "tax_amount_set", "tax_amount", at=at)
        if not lines:
            raise Ignored(f"Refund {refund_id} refunds no line and no shipping (an adjustment only).")
        credit = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": invoice.partner_id.id,
                "reversed_entry_id": invoice.id,
                "currency_id": invoice.currency_id.id,
                "ref": f"Shopify refund {refund_id} of {invoice.name}",
                "invoice_origin": sale.name,
                "invoice_line_ids": [(0, 0, line) for line in lines],
            }
        )
        if credit.currency_id.compare_amounts(credit.amount_total, float(money(expected))):
            raise BusinessError(
                f"Refund {refund_id} totals {expected} in Shopify but the credit note would total "
                f"{credit.amount_total:.2f}. Check the refunded lines, then press Retry."
            )
        credit._integration_post(self.backend)
        self.exchange._link(credit, "created", ["invoice_line_ids", "reversed_entry_id"])
        self.binding._bind(self.backend, credit, refund_id)
        restocked = Restock(self.work).apply(sale, items)
        return {"credit_note": credit.id, "invoice": invoice.id, "total": str(expected), **restocked}

    # Creation -----------------------------------------------------------------

    def _create(self, order):
        self._charged = []
        currency = self._currency = self.backend._sale_currency(order.currency, f"Shopify order {order.name}")
        partner = self._partner(order)
        self._by_sku = self._products(order)
        lines = [self._product_line(line, order) for line in order.lines]
        lines += [self._shipping_line(line, order) for line in order.shipping]
        vals = {
            "partner_id": partner.id,
            "client_order_ref": order.name,
            "origin": f"Shopify {order.name}",
            "company_id": self.backend.company_id.id,
            "order_line": [(0, 0, line) for chunk in lines for line in chunk],
        }
        if order.created_at:
            vals["date_order"] = order.created_at
        # Shopify set the prices: in the company's currency no pricelist
        # applies, in another one only to carry the currency.
        vals["pricelist_id"] = self.backend._sale_pricelist(currency, "Shopify orders in that currency").id
        # As Odoo's own import does by default, the order and its delivery are
        # created without chatter history or followers: the exchange, its links
        # and the audit log are the history, and the buyer, who hears from
        # Shopify, is not subscribed to Odoo's messages. Invoices keep theirs.
        sale = self.env["sale.order"].with_context(tracking_disable=True).create(vals)
        self._check_fiscal_position(sale, order)
        self._check_totals(sale, order)
        self.exchange._link(sale, "created", list(vals))
        binding = self.binding._bind(self.backend, sale, order.external_id, order.updated_at)
        # The lines as imported, so an order edit is recognised later without
        # re-reading a payload that a privacy request may have redacted.
        binding.synced_values = {"line_items": [line.external_id for line in order.lines]}
        invoice_now = self.backend.shopify_order_policy == "invoice" and order.financial_status == "paid"
        if invoice_now:
            sale.action_confirm()
            self._invoice(sale.with_context(tracking_disable=False), order.gateways, order.created_at)
        elif self.backend.shopify_order_policy in ("confirm", "invoice"):
            # Its totals are checked: confirming can wait for the rest of a backlog batch.
            self.work.later(sale, "action_confirm")
        return {"sale_order": sale.id, "total": str(order.total)}

    def _update(self, sale, order):
        binding = self.binding.search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "sale.order"), ("res_id", "=", sale.id)]
        )
        if binding._is_stale(order.updated_at):
            return {"sale_order": sale.id, "skipped": "an newer version of the order was already applied"}
        binding.external_updated_at = order.updated_at
        if order.cancelled:
            return self.cancel_from_order(sale)
        self._check_added_lines(sale, order)
        if (
            self.backend.shopify_order_policy == "invoice"
            and order.financial_status == "paid"
            and sale.state == "sale"
            and not sale.invoice_ids
        ):
            self._invoice(sale, order.gateways, order.created_at)
        return {"sale_order": sale.id, "updated": True}

    def _check_added_lines(self, sale, order):
        """Lines added in Shopify after the import (an order edit) must be on the sale order.

        The suite does not edit a confirmed order's lines itself: what was
        added waits in the exception queue until someone adds it to the sale
        order (then Retry passes) or decides otherwise (Ignore, with a reason).
        """
        binding = self.binding.search(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "sale.order"), ("res_id", "=", sale.id)]
        )
        known = set((binding.synced_values or {}).get("line_items") or ())
        added = [line for line in order.lines if known and line.external_id not in known]
        if not added:
            return
        expected, ordered = defaultdict(Decimal), defaultdict(Decimal)
        for line in order.lines:
            expected[line.sku] += line.quantity
        for sale_line in sale.order_line:
            ordered[sale_line.product_id.default_code or None] += Decimal(str(sale_line.product_uom_qty))
        missing = {
            line.sku: expected[line.sku] - ordered[line.sku] for line in added if ordered[line.sku] < expected[line.sku]
        }
        if missing:
            raise BusinessError(
                f"Shopify order {order.name} was edited after it was imported: "
                + ", ".join(
                    f"{sku or 'an item without SKU'} × {quantity.normalize():f}" for sku, quantity in missing.items()
                )
                + f" added. Add {'it' if len(missing) == 1 else 'them'} to {sale.name}, then press Retry; or Ignore "
                "this exchange with the reason."
            )

    def cancel_from_order(self, sale):
        if sale.state != "cancel" and not sale.invoice_ids.filtered(lambda move: move.state == "posted"):
            sale._action_cancel()
            self.exchange._link(sale, "updated", ["state"])
        return {"sale_order": sale.id, "cancelled": True}

    def _invoice(self, sale, gateways=(), sold_at=None):
        """Post the invoice of a paid order, dated by the sale, and record the payment in the gateway's journal.

        The tax point is when the customer bought (``sold_at``, UTC), in the
        business's time zone, not the day the order reached Odoo (a backlog, a
        replay): an order of a closed quarter meets the locked-period policy.
        """
        journal = self._journal(gateways, sale)
        invoices = sale._create_invoices()
        if sold_at:
            local = sale.with_context(tz=self.env.user.tz or UK_TIME)
            invoices.invoice_date = fields.Date.context_today(local, sold_at)
        invoices._integration_post(self.backend)
        self.exchange._link(invoices, "created", ["invoice_line_ids"])
        payments = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"journal_id": journal.id, "payment_date": fields.Date.context_today(sale)})
            ._create_payments()
        )
        self.exchange._link(payments, "created", ["amount", "journal_id"])

    def _journal(self, gateways, sale):
        gateway = gateways[0] if gateways else "(none)"
        try:
            journal = self.backend._lookup_value("payment_gateway", gateway)
        except MappingError as err:
            raise MappingError(
                f"Shopify payment gateway '{gateway}' of {sale.client_order_ref} has no journal mapping on backend "
                f"'{self.backend.name}'. Map it to a bank or cash journal under Configuration > Value mappings "
                "(type payment_gateway), then press Retry."
            ) from err
        if getattr(journal, "_name", None) != "account.journal":
            raise MappingError(f"The payment_gateway mapping for '{gateway}' must point at a journal.")
        return journal

    # Lookups ------------------------------------------------------------------

    def _lookup(self, map_type, key):
        """Value mappings are read once per order, not once per line."""
        if (map_type, key) not in self._mapped:
            self._mapped[map_type, key] = self.backend._lookup_value(map_type, key)
        return self._mapped[map_type, key]

    def _partner(self, order):
        """The returning buyer if we know them (e-mail, then phone, then name and postcode), else a new one."""
        Partner = self.env["res.partner"].with_context(active_test=False)
        customer = order.customer
        external = str(customer.get("id")) if customer.get("id") else None
        if external:
            bound = self.binding._find(self.backend, "res.partner", external)
            if bound:
                return bound
        address = (
            order.billing_address or order.shipping_address or shape.opt_obj(customer, "default_address", "customer")
        )
        text = shape.opt_text
        email = order.email or text(customer, "email", "customer")
        phone = order.phone or text(customer, "phone", "customer") or text(address, "phone", "address")
        name = " ".join(
            part
            for part in (
                text(customer, "first_name", "customer") or text(address, "first_name", "address"),
                text(customer, "last_name", "customer") or text(address, "last_name", "address"),
            )
            if part
        ) or text(address, "name", "address")
        partner = PartnerMatcher(self.backend).find(
            PartnerIdentity(name=name, email=email, phone=phone, zip=text(address, "zip", "address"))
        )
        if not partner and not (email or phone or name):
            return self.backend._shopify_guest_partner()
        if not partner:
            source = {"name": name or email or phone, "email": email, "phone": phone, "customer": customer}
            vals = self.backend._apply_field_mappings(CUSTOMER, dict(source, address=address), DEFAULTS[CUSTOMER])
            partner = Partner.create(vals)
            self.exchange._link(partner, "created", sorted(vals))
        if external and not self.binding.search_count(
            [("backend_id", "=", self.backend.id), ("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        ):
            self.binding._bind(self.backend, partner, external)
        return partner

    def _products(self, order):
        """The order's products by SKU, found with one search."""
        skus = {line.sku for line in order.lines if line.sku}
        own = self.backend._own_records()
        found = self.env["product.product"].search([("default_code", "in", list(skus)), *own]) if skus else ()
        by_sku = {}
        for product in found:
            # Two products with one SKU: the first in Odoo's order, as a single search would give.
            by_sku.setdefault(product.default_code, product)
        return by_sku

    def _product(self, line, order):
        if line.gift_card:
            if not self.backend.shopify_gift_card_product_id:
                raise MappingError(
                    f"Shopify order {order.name}: line '{line.title}' sells a gift card. Set the Gift card product on "
                    f"backend '{self.backend.name}' (Shopify tab) to a service without VAT (a multi-purpose voucher "
                    "is not a taxable supply), then press Retry."
                )
            return self.backend.shopify_gift_card_product_id
        if not line.sku:
            if not self.backend.shopify_custom_item_product_id:
                raise MappingError(
                    f"Shopify order {order.name}: line '{line.title}' has no SKU (a custom item). Set the Custom item "
                    f"product on backend '{self.backend.name}' (Shopify tab), or give the item a SKU in Shopify and "
                    "Replay, then press Retry."
                )
            return self.backend.shopify_custom_item_product_id
        product = self._by_sku.get(line.sku)
        if not product:
            raise MappingError(
                f"Shopify order {order.name}: SKU '{line.sku}' has no product in Odoo (line '{line.title}'). Give "
                "the product that Internal Reference (or create it), then press Retry.",
                fix_key=fix_keys.product_key(line.sku),
            )
        return product

    def _taxes(self, line, order, what):
        """Odoo taxes for a line's Shopify tax lines, checked against Shopify's rates: never guessed.

        A line Shopify charged no tax on needs the '(no tax)' mapping to name
        an explicit zero-rated, exempt or out-of-scope tax, so the VAT return's
        boxes are right; a missing or empty mapping is a VAT anomaly.
        """
        taxes = line.taxes
        map_type = "tax_included" if order.taxes_included else "tax"
        keys = [tax.title for tax in taxes] or [NO_TAX]
        result = self.env["account.tax"]
        for key, tax_line in zip(keys, taxes or [None], strict=True):
            included = "prices include tax" if order.taxes_included else "prices exclude tax"
            try:
                tax = self._lookup(map_type, key)
            except MappingError as err:
                raise TaxError(
                    f"Shopify tax '{key}' ({included}) on {what} of order {order.name} has no Odoo tax mapping "
                    f"(type '{map_type}') on backend '{self.backend.name}'. Add it under Configuration > "
                    "Value mappings, then press Retry."
                ) from err
            if not tax:
                raise TaxError(
                    f"Shopify tax '{key}' ({included}) on {what} of order {order.name} is mapped to no Odoo tax on "
                    f"backend '{self.backend.name}'. Every sale line is posted with an explicit tax: choose the "
                    "zero-rated, exempt or out-of-scope tax it is under Configuration > Value mappings, then press "
                    "Retry.",
                    fix_key=fix_keys.mapping_key(map_type, key),
                )
            if getattr(tax, "_name", None) != "account.tax":
                raise TaxError(f"The '{map_type}' mapping for '{key}' must point at an Odoo tax.")
            if tax_line is not None and tax_line.rate and not tax_line.amount and line.gross:
                raise TaxError(
                    f"VAT anomaly on order {order.name}: Shopify charged 0.00 of '{key}' at {percent(tax_line.rate)}% "
                    f"on {what}. Check the product's tax setting in Shopify (a zero-rated item has a 0% rate), then "
                    "Replay the corrected order or Ignore it with the reason."
                )
            if (
                tax_line is not None
                and tax.amount_type == "percent"
                and float_compare(tax.amount, float(tax_line.rate * 100), precision_digits=4)
            ):
                raise TaxError(
                    f"VAT anomaly on order {order.name}: Shopify charged '{key}' at {percent(tax_line.rate)}% "
                    f"but it is mapped to '{tax.name}' at {tax.amount:g}%. Fix the mapping, then press Retry."
                )
            if bool(tax.price_include) != order.taxes_included:
                raise TaxError(
                    f"Tax '{tax.name}' mapped for '{key}' does not match the order: Shopify prices "
                    f"{'include' if order.taxes_included else 'exclude'} tax. Map a tax with the same setting."
                )
            result |= tax
        return result

    def _product_line(self, line, order):
        product = self._product(line, order)
        return self._lines(line, order, product, line.title or product.display_name)

    def _shipping_line(self, line, order):
        product = self.backend._shopify_service_product("shopify_shipping_product_id", "Shopify shipping")
        return self._lines(line, order, product, line.title)

    def _lines(self, line, order, product, name):
        """One order line, plus a discount line when the discount cannot be folded into the price."""
        taxes = self._taxes(line, order, f"'{name}'")
        self._charged.append((name, product, taxes, line))
        net_total = line.gross
        unit = (net_total / line.quantity).quantize(CENT) if line.quantity else Decimal(0)
        # An explicit discount of 0: a pricelist's discount rule must not touch Shopify's prices.
        base = {"product_id": product.id, "name": name, "tax_ids": [(6, 0, taxes.ids)], "discount": 0.0}
        if unit * line.quantity == net_total:
            return [dict(base, product_uom_qty=float(line.quantity), price_unit=float(unit))]
        price = self._split_price(line, taxes, self._currency)
        discount_product = self.backend._shopify_service_product("shopify_discount_product_id", "Shopify discount")
        return [
            dict(base, product_uom_qty=float(line.quantity), price_unit=float(price)),
            {
                "product_id": discount_product.id,
                "name": f"Discount on {name}",
                "product_uom_qty": 1,
                "price_unit": float(net_total - price * line.quantity),
                "discount": 0.0,
                "tax_ids": [(6, 0, taxes.ids)],
            },
        ]

    def _split_price(self, line, taxes, currency):
        """The unit price of a line whose discounted total is no whole number of pence per unit.

        The line goes to Odoo at a unit price and a discount line takes what
        is left of Shopify's total for it. Shopify charges VAT once on that
        total; Odoo rounds the VAT of each of the two lines, and the two
        roundings can end a penny from Shopify's. Of the unit prices from just
        above the discounted one up to the undiscounted one (at most
        ``SPLIT_PRICES_TRIED``),
        the first at which Odoo's VAT on the two lines is what Shopify charged
        on the line is taken; otherwise the undiscounted price, and the order's
        VAT check says so. The totals are Shopify's either way, and Odoo
        computes every tax: no amount of tax is set by hand.
        """
        charged = sum((tax.amount for tax in line.taxes), Decimal(0))
        price = (line.gross / line.quantity).quantize(CENT, ROUND_CEILING)
        if self.backend.company_id.tax_calculation_rounding_method == "round_per_line":
            for _try in range(SPLIT_PRICES_TRIED):
                if price > line.unit_price:
                    break
                pieces = [(price, line.quantity), (line.gross - price * line.quantity, 1)]
                if self._vat_of(pieces, taxes, currency) == charged:
                    return price
                price += CENT
        return line.unit_price

    def _taxed(self, base_lines, company):
        """``base_lines`` with Odoo's tax details, rounded as ``company`` rounds an order's: its own tax engine."""
        AccountTax = self.env["account.tax"]
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        return base_lines

    def _vat_of(self, pieces, taxes, currency):
        """Odoo's VAT on lines of ``(unit price, quantity)`` with ``taxes`` in ``currency``, as an order has it."""
        prepare = self.env["account.tax"]._prepare_base_line_for_taxes_computation
        base_lines = self._taxed(
            [
                prepare(None, price_unit=float(price), quantity=float(quantity), tax_ids=taxes, currency_id=currency)
                for price, quantity in pieces
            ],
            self.backend.company_id,
        )
        return sum(
            (
                Decimal(str(tax_data["tax_amount_currency"])).quantize(CENT)
                for base_line in base_lines
                for tax_data in base_line["tax_details"]["taxes_data"]
            ),
            Decimal(0),
        )

    def _check_fiscal_position(self, sale, order):
        """What Shopify charged must be what Odoo's fiscal position for the buyer and destination would charge.

        Shopify takes its tax from its own settings for a market; Odoo takes
        the fiscal position of the buyer and where the goods go (the shipping
        address, as Odoo's delivery address decides it). UK VAT charged on an
        export, or none on a UK sale of a product Odoo taxes, would put a rate
        on the invoice that the fiscal position contradicts: a person decides.
        """
        fpos = self._fiscal_position(sale, order)
        for name, product, taxes, line in self._charged:
            if not line.gross:
                continue
            charged = sum((tax.rate for tax in line.taxes), Decimal(0)) * 100
            odoo = fpos.map_tax(taxes)
            if not charged:
                own = product.taxes_id._filter_taxes_by_company(sale.company_id)
                if own:
                    odoo = fpos.map_tax(own)
            if any(tax.amount_type != "percent" for tax in odoo):
                continue
            rate = sum((Decimal(str(tax.amount)) for tax in odoo), Decimal(0))
            if float_compare(float(rate), float(charged), precision_digits=4) == 0:
                continue
            country = self._destination(order, sale)
            what = f"VAT at {charged.normalize():f}%" if charged else "no VAT"
            odoo_taxes = ", ".join(f"'{tax.name}'" for tax in odoo) or "no tax"
            position = f"fiscal position '{fpos.name}'" if fpos else "no fiscal position"
            raise TaxError(
                f"VAT anomaly on order {order.name} (shipped to {country}): Shopify charged {what} on '{name}', but "
                f"Odoo's {position} for this customer and destination taxes it at {rate.normalize():f}% "
                f"({odoo_taxes}). If Shopify is wrong, correct its tax settings for {country} and Replay the "
                "corrected order; if Odoo is, correct the customer's Fiscal Position (Sales & Purchase tab) or the "
                "fiscal position's tax mapping (Accounting > Configuration > Fiscal Positions), then press Retry.",
                order=order.name,
                country=country,
                charged_rate=f"{charged.normalize():f}",
                fiscal_position=fpos.name or None,
            )

    def _fiscal_position(self, sale, order):
        """Odoo's fiscal position for the order's customer, delivered to the Shopify shipping address's country."""
        country = self._country(order.shipping_address, "shipping_address")
        delivery = sale.partner_shipping_id
        if not country or country == delivery.country_id:
            # The one Odoo gave the order itself, for that delivery address.
            return sale.fiscal_position_id
        # Shopify's shipping address is not an Odoo contact: Odoo's rule is asked about one that would be.
        delivery = self.env["res.partner"].new(
            {
                "country_id": country.id,
                "zip": shape.opt_text(order.shipping_address, "zip", "shipping_address"),
                "vat": sale.partner_id.vat,
            }
        )
        Position = self.env["account.fiscal.position"].with_company(sale.company_id)
        return Position._get_fiscal_position(sale.partner_id, delivery)

    def _destination(self, order, sale):
        """The country the order ships to, by name: Shopify's shipping address, else the customer's."""
        address = order.shipping_address or order.billing_address
        return (self._country(address, "address") or sale.partner_shipping_id.country_id).name or "an unknown country"

    def _country(self, address, at):
        code = shape.opt_text(address, "country_code", at)
        return self.env["res.country"].search([("code", "=", code.upper())], limit=1) if code else None

    def _check_totals(self, sale, order):
        currency = sale.currency_id
        if currency.compare_amounts(sale.amount_total, float(order.total)) == 0:
            self._check_tax_per_rate(sale, order)
            return
        details = "; ".join(
            f"{line.name}: {line.product_uom_qty:g} × {line.price_unit:.2f} = {line.price_total:.2f}"
            for line in sale.order_line
        )
        raise BusinessError(
            f"Shopify order {order.name} totals {order.total} {order.currency} but the Odoo order would total "
            f"{sale.amount_total:.2f} (tax {sale.amount_tax:.2f} vs Shopify {order.total_tax}). Lines: {details}. "
            "Check the tax mappings and prices, then press Retry.",
            shopify_total=str(order.total),
            odoo_total=f"{sale.amount_total:.2f}",
        )

    def _check_tax_per_rate(self, sale, order):
        """The VAT at each rate must be Shopify's to the penny, not only the total: the VAT return is per rate."""
        shopify, odoo = defaultdict(Decimal), defaultdict(Decimal)
        for line in [*order.lines, *order.shipping]:
            for tax in line.taxes:
                shopify[(tax.rate * 100).normalize()] += tax.amount
        rates = {Decimal(str(tax.amount)).normalize() for tax in sale.order_line.tax_ids if tax.amount}
        if len(rates | {rate for rate, amount in shopify.items() if rate}) <= 1:
            # One rate (the common case): all of Odoo's VAT is at it, as the order totals it.
            for rate in rates:
                odoo[rate] = Decimal(str(sale.amount_tax))
        else:
            odoo.update(self._odoo_tax_per_rate(sale))
        currency = sale.currency_id
        differing = [
            f"{rate:f}%: Shopify {shopify[rate]:.2f}, Odoo {odoo[rate]:.2f}"
            for rate in sorted(set(shopify) | set(odoo))
            if currency.compare_amounts(float(shopify[rate]), float(odoo[rate]))
        ]
        if differing:
            if sale.company_id.tax_calculation_rounding_method != "round_per_line":
                cause = (
                    f" Shopify rounds VAT line by line and '{sale.company_id.name}' rounds it per tax: set "
                    "Accounting > Settings > Rounding Method to 'Round per Line' (Set up Shopify advises it), then "
                    "press Retry."
                )
            elif order.taxes_included:
                cause = (
                    " The order's total is right: with prices including VAT, Odoo and Shopify can round the VAT of "
                    "a line (a discount Odoo keeps on a line of its own, say) a penny apart. Correct the VAT in "
                    "Shopify and Replay, or record the order by hand; the suite never adjusts tax."
                )
            else:
                cause = " Check the tax mappings of its lines, then press Retry."
            raise TaxError(
                f"VAT anomaly on order {order.name}: the totals agree but the VAT per rate does not ("
                + "; ".join(differing)
                + ")."
                + cause
            )

    def _odoo_tax_per_rate(self, sale):
        """Odoo's VAT of an order per rate, as it totals it: rounding (per line or per tax) included."""
        AccountTax = self.env["account.tax"]
        base_lines = self._taxed(
            [line._prepare_base_line_for_taxes_computation() for line in sale._get_priced_lines()], sale.company_id
        )
        by_rate = AccountTax._aggregate_base_lines_aggregated_values(
            AccountTax._aggregate_base_lines_tax_details(
                base_lines, lambda _line, tax_data: tax_data["tax"].amount if tax_data else "untaxed"
            )
        )
        return {
            Decimal(str(rate)).normalize(): Decimal(str(values["tax_amount_currency"]))
            for rate, values in by_rate.items()
            if rate not in ("untaxed", None)
        }
