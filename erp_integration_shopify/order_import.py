"""Turn a Shopify order into an Odoo sale order, or say exactly why not.

Money is never guessed: every tax must be mapped, the mapped tax's rate must
be Shopify's, and the Odoo total must equal Shopify's to the penny, or the
exchange waits in the exception queue with both totals and the lines.
"""

from collections import defaultdict
from decimal import Decimal

from odoo import fields
from odoo.tools import float_compare

from odoo.addons.erp_integration_core.lib.errors import BusinessError, Ignored, MappingError
from odoo.addons.erp_integration_core.partners import PartnerIdentity, PartnerMatcher
from odoo.addons.erp_integration_core.work import Component

from .lib.order import CENT, NO_TAX, external_id, money, parse_order, set_amount
from .restock import Restock


class OrderImport(Component):
    def __init__(self, work):
        super().__init__(work)
        self.binding = self.env["integration.binding"]
        self._mapped = {}
        self._by_sku = {}

    # Entry points -------------------------------------------------------------

    def upsert(self, data):
        """orders/create and orders/updated: create the order, or update its status."""
        order = parse_order(data)
        existing = self.binding._find(self.backend, "sale.order", order.external_id)
        if existing:
            return self._update(existing, order)
        return self._create(order)

    def cancel(self, data):
        order = parse_order(data)
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
        refund_id = external_id(data)
        order_id = str(data.get("order_id"))
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
        for item in data.get("refund_line_items") or []:
            sku = (item.get("line_item") or {}).get("sku")
            source = invoice.invoice_line_ids.filtered(lambda line, sku=sku: line.product_id.default_code == sku)[:1]
            if not source:
                raise BusinessError(f"Refund {refund_id} returns SKU '{sku}', which is not on invoice {invoice.name}.")
            lines.append(
                {
                    "product_id": source.product_id.id,
                    "name": source.name,
                    "quantity": item["quantity"],
                    "price_unit": source.price_unit,
                    "discount": source.discount,
                    "tax_ids": [(6, 0, source.tax_ids.ids)],
                    "sale_line_ids": [(6, 0, source.sale_line_ids.ids)],
                }
            )
            expected += set_amount(item, "subtotal_set", "subtotal") + set_amount(item, "total_tax_set", "total_tax")
        for item in data.get("refund_shipping_lines") or []:
            shipping = invoice.invoice_line_ids.filtered(
                lambda line: line.product_id == self.backend.shopify_shipping_product_id
            )[:1]
            amount = set_amount(item, "subtotal_amount_set", "amount")
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
            expected += amount + (set_amount(item, "tax_amount_set", "tax_amount") or 0)
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
        credit.action_post()
        self.exchange._link(credit, "created", ["invoice_line_ids", "reversed_entry_id"])
        self.binding._bind(self.backend, credit, refund_id)
        restocked = Restock(self.work).apply(sale, data.get("refund_line_items") or [])
        return {"credit_note": credit.id, "invoice": invoice.id, "total": str(expected), **restocked}

    # Creation -----------------------------------------------------------------

    def _create(self, order):
        currency = self._currency(order.currency)
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
        vals["pricelist_id"] = self._pricelist(currency).id
        # As Odoo's own import does by default, the order and its delivery are
        # created without chatter history or followers: the exchange, its links
        # and the audit log are the history, and the buyer, who hears from
        # Shopify, is not subscribed to Odoo's messages. Invoices keep theirs.
        sale = self.env["sale.order"].with_context(tracking_disable=True).create(vals)
        self._check_totals(sale, order)
        self.exchange._link(sale, "created", list(vals))
        binding = self.binding._bind(self.backend, sale, order.external_id, order.updated_at)
        # The lines as imported, so an order edit is recognised later without
        # re-reading a payload that a privacy request may have redacted.
        binding.synced_values = {"line_items": [line.external_id for line in order.lines]}
        if self.backend.shopify_order_policy in ("confirm", "invoice"):
            sale.action_confirm()
        sale = sale.with_context(tracking_disable=False)
        if self.backend.shopify_order_policy == "invoice" and order.financial_status == "paid":
            self._invoice(sale, order.gateways)
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
            self._invoice(sale, order.gateways)
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

    def _invoice(self, sale, gateways=()):
        """Post the invoice of a paid order and record the payment in the gateway's journal."""
        journal = self._journal(gateways, sale)
        invoices = sale._create_invoices()
        invoices.action_post()
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

    def _currency(self, code):
        currency = self.env["res.currency"].search([("name", "=", code)], limit=1)
        if not currency:
            raise MappingError(f"Shopify currency '{code}' is not active in Odoo. Activate it, then press Retry.")
        return currency

    def _pricelist(self, currency):
        if currency == self.backend.company_id.currency_id:
            return self.env["product.pricelist"].browse()
        pricelist = self.env["product.pricelist"].search(
            [("currency_id", "=", currency.id), ("company_id", "in", (False, self.backend.company_id.id))], limit=1
        )
        if not pricelist:
            raise MappingError(
                f"No pricelist in {currency.name} for Shopify orders in that currency. Create one under "
                "Sales > Products > Pricelists, then press Retry."
            )
        return pricelist

    def _partner(self, order):
        """The returning buyer if we know them (e-mail, then phone, then name and postcode), else a new one."""
        Partner = self.env["res.partner"].with_context(active_test=False)
        customer = order.customer
        external = str(customer.get("id")) if customer.get("id") else None
        if external:
            bound = self.binding._find(self.backend, "res.partner", external)
            if bound:
                return bound
        address = order.billing_address or order.shipping_address or customer.get("default_address") or {}
        email = order.email or customer.get("email")
        phone = order.phone or customer.get("phone") or address.get("phone")
        name = " ".join(
            part
            for part in (
                customer.get("first_name") or address.get("first_name"),
                customer.get("last_name") or address.get("last_name"),
            )
            if part
        ) or address.get("name")
        partner = PartnerMatcher(self.backend).find(
            PartnerIdentity(name=name, email=email, phone=phone, zip=address.get("zip"))
        )
        if not partner and not (email or phone or name):
            return self.backend._shopify_guest_partner()
        if not partner:
            country = self.env["res.country"].search([("code", "=", address.get("country_code"))], limit=1)
            partner = Partner.create(
                {
                    "name": name or email or phone,
                    "email": email,
                    "phone": phone,
                    "street": address.get("address1"),
                    "street2": address.get("address2"),
                    "city": address.get("city"),
                    "zip": address.get("zip"),
                    "country_id": country.id,
                    "company_name": address.get("company"),
                }
            )
            self.exchange._link(partner, "created", ["name", "email", "phone", "address"])
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
        product = self._by_sku.get(line.sku)
        if not product:
            raise MappingError(
                f"Shopify order {order.name}: SKU '{line.sku or line.title}' has no product in Odoo. Give the "
                "product that Internal Reference (or create it), then press Retry."
            )
        return product

    def _taxes(self, taxes, order, what):
        """Odoo taxes for Shopify tax lines, checked against Shopify's rates."""
        map_type = "tax_included" if order.taxes_included else "tax"
        keys = [tax.title for tax in taxes] or [NO_TAX]
        result = self.env["account.tax"]
        for key, tax_line in zip(keys, taxes or [None], strict=True):
            try:
                tax = self._lookup(map_type, key)
            except MappingError as err:
                included = "prices include tax" if order.taxes_included else "prices exclude tax"
                raise MappingError(
                    f"Shopify tax '{key}' ({included}) on {what} of order {order.name} has no Odoo tax mapping "
                    f"(type '{map_type}') on backend '{self.backend.name}'. Add it under Configuration > "
                    "Value mappings, then press Retry."
                ) from err
            if not tax:
                continue
            if getattr(tax, "_name", None) != "account.tax":
                raise MappingError(f"The '{map_type}' mapping for '{key}' must point at an Odoo tax.")
            if (
                tax_line is not None
                and tax.amount_type == "percent"
                and float_compare(tax.amount, float(tax_line.rate * 100), precision_digits=4)
            ):
                raise BusinessError(
                    f"VAT anomaly on order {order.name}: Shopify charged '{key}' at {tax_line.rate * 100:g}% "
                    f"but it is mapped to '{tax.name}' at {tax.amount:g}%. Fix the mapping, then press Retry."
                )
            if bool(tax.price_include) != order.taxes_included:
                raise MappingError(
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
        taxes = self._taxes(line.taxes, order, f"'{name}'")
        net_total = line.gross
        unit = (net_total / line.quantity).quantize(CENT) if line.quantity else Decimal(0)
        # An explicit discount of 0: a pricelist's discount rule must not touch Shopify's prices.
        base = {"product_id": product.id, "name": name, "tax_ids": [(6, 0, taxes.ids)], "discount": 0.0}
        if unit * line.quantity == net_total:
            return [dict(base, product_uom_qty=float(line.quantity), price_unit=float(unit))]
        discount_product = self.backend._shopify_service_product("shopify_discount_product_id", "Shopify discount")
        return [
            dict(base, product_uom_qty=float(line.quantity), price_unit=float(line.unit_price)),
            {
                "product_id": discount_product.id,
                "name": f"Discount on {name}",
                "product_uom_qty": 1,
                "price_unit": float(-line.discount),
                "discount": 0.0,
                "tax_ids": [(6, 0, taxes.ids)],
            },
        ]

    def _check_totals(self, sale, order):
        currency = sale.currency_id
        if currency.compare_amounts(sale.amount_total, float(order.total)) == 0:
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
